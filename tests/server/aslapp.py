"""The server tests' app plus an ASL workflow of eleven states, big enough for dagre's layout."""

from __future__ import annotations

from typing import Any

import podium
from tests.server import serverapp

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
MACHINE: dict[str, Any] = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": ARN + "charge",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}],
            "Next": "Settle",
        },
        "Settle": {"Type": "Task", "Resource": ARN + "settle", "Next": "Size"},
        "Size": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Big"},
                {"Variable": "$.amount", "NumericLessThan": 10, "Next": "Small"},
            ],
            "Default": "Medium",
        },
        "Big": {
            "Type": "Task",
            "Resource": ARN + "audit",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}],
            "Next": "Notify",
        },
        "Medium": {"Type": "Wait", "Seconds": 0, "Next": "Notify"},
        "Small": {"Type": "Pass", "Next": "Done"},
        "Notify": {
            "Type": "Task",
            "Resource": ARN + "notify",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Escalate"}],
            "Next": "Done",
        },
        "Escalate": {"Type": "Pass", "Next": "Done"},
        "Refund": {"Type": "Task", "Resource": ARN + "refund", "Next": "Declined"},
        "Declined": {"Type": "Fail", "Error": "Declined"},
        "Done": {"Type": "Succeed"},
    },
}


def add_payments(app: podium.App) -> podium.App:
    """Register `payments` (every Task passes its input through) and `payments_slow`, whose
    Medium state waits an hour."""

    def same(data: Any) -> Any:
        return data

    resources = {ARN + name: same for name in ("charge", "settle", "audit", "notify", "refund")}
    app.asl_workflow("payments", MACHINE, resources)
    slow = {**MACHINE, "States": {**MACHINE["States"]}}
    slow["States"]["Medium"] = {"Type": "Wait", "Seconds": 3600, "Next": "Notify"}
    app.asl_workflow("payments_slow", slow, resources)
    return app


app = add_payments(serverapp.build())
