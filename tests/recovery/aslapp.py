"""An ASL order machine the recovery tests SIGKILL while a Task runs.

Prepare (Pass) -> Reserve (Task) -> Route (Choice) -> Charge (Task, held) -> Settle (Wait 1 s,
longer than the suspend grace: the workflow unloads) -> Ship (Parallel of two Tasks) -> Done.
Every Task appends `<order> <task> <pid>` to the log named in the input (see crashapp.append);
`charge` blocks while the input's hold file exists, so a test can kill the worker in it.

Run as `python -m tests.recovery.aslapp worker` (store and lease from PODIUM_* variables).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import podium
from tests.recovery import serve
from tests.recovery.crashapp import append
from tests.recovery.sagaapp import wait_while

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
DEFINITION = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {
            "Type": "Pass",
            "Parameters": {"total.$": "States.MathAdd($.a, $.b)"},
            "ResultPath": "$.sum",
            "Next": "Reserve",
        },
        "Reserve": {
            "Type": "Task",
            "Resource": f"{ARN}reserve",
            "ResultPath": "$.reservation",
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.sum.total", "NumericGreaterThan": 0, "Next": "Charge"}],
            "Default": "Done",
        },
        "Charge": {
            "Type": "Task",
            "Resource": f"{ARN}charge",
            "ResultPath": "$.payment",
            "Next": "Settle",
        },
        "Settle": {"Type": "Wait", "Seconds": 1, "Next": "Ship"},
        "Ship": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "Label",
                    "States": {"Label": {"Type": "Task", "Resource": f"{ARN}label", "End": True}},
                },
                {
                    "StartAt": "Notify",
                    "States": {"Notify": {"Type": "Task", "Resource": f"{ARN}notify", "End": True}},
                },
            ],
            "ResultPath": "$.shipping",
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def _task(name: str, order: dict[str, Any]) -> None:
    append(order["log"], f"{order['order']} {name} {os.getpid()}")


def reserve(order: dict[str, Any]) -> str:
    _task("reserve", order)
    return f"R-{order['order']}"


def charge(order: dict[str, Any]) -> dict[str, Any]:
    _task("charge.start", order)
    wait_while(order["hold"])
    _task("charge.done", order)
    return {"charged": order["sum"]["total"]}


def label(order: dict[str, Any]) -> str:
    _task("label", order)
    return f"L-{order['order']}"


def notify(order: dict[str, Any]) -> str:
    _task("notify", order)
    return "sent"


RESOURCES = {f"{ARN}{f.__name__}": f for f in (reserve, charge, label, notify)}


def build(database_url: str | None = None, **settings: Any) -> podium.App:
    """The App with the `order` ASL workflow (store from PODIUM_* when no URL)."""
    app = podium.App("aslapp", database_url=database_url, **settings)
    app.asl_workflow("order", DEFINITION, RESOURCES)
    return app


def main(argv: list[str] | None = None) -> int:
    """`worker [--concurrency N]`: serve the store until SIGTERM/SIGINT."""
    return serve.main("tests.recovery.aslapp", build, argv, 2)


if __name__ == "__main__":
    sys.exit(main())
