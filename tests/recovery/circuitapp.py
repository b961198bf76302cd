"""A payment workflow behind a circuit breaker, which the recovery tests SIGKILL mid-pattern.

`pay` calls the failing `probe` step twice (the breaker opens), then `charge`: refused while
the breaker is open, it waits out the cooldown durably and runs as the half-open trial call,
whose success closes the breaker. `charge` blocks while a hold file exists, so a test can kill
the worker while the trial call is in flight. Every step appends `<workflow id> <action> <pid>`
to a log file: the ground truth of what ran.

Run as `python -m tests.recovery.circuitapp worker` (store and lease from PODIUM_* variables).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Any

import podium
from tests.recovery import serve
from tests.recovery.crashapp import append
from tests.recovery.sagaapp import wait_while

COOLDOWN = 1.0
RETRY = podium.RetryPolicy(max_attempts=3, initial_delay=0.01, jitter=False)


@dataclasses.dataclass(frozen=True)
class CircuitApp:
    """An App with the breaker and the payment workflow registered on it."""

    app: podium.App
    pay: Any


def build(database_url: str | None = None, **settings: Any) -> CircuitApp:
    """Register the breaker and workflow on a new App (store from PODIUM_* when no URL)."""
    app = podium.App("circuitapp", database_url=database_url, **settings)
    app.circuit_breaker("payments", failure_threshold=0.5, min_calls=2, cooldown=COOLDOWN)

    def note(log: str, wf_id: str, action: str) -> None:
        append(log, f"{wf_id} {action} {os.getpid()}")

    @app.step(circuit="payments")
    def probe(log: str, wf_id: str) -> None:
        note(log, wf_id, "probe")
        raise ConnectionError("payment service down")

    @app.step(circuit="payments", retry=RETRY)
    def charge(log: str, wf_id: str, hold: str) -> str:
        note(log, wf_id, "charge.start")
        wait_while(hold)
        note(log, wf_id, "charge.done")
        return "receipt-1"

    @app.workflow
    def pay(log: str, wf_id: str, hold: str) -> str:
        for _ in range(2):
            try:
                probe(log, wf_id)
            except ConnectionError:
                pass
        return charge(log, wf_id, hold)

    return CircuitApp(app, pay)


def main(argv: list[str] | None = None) -> int:
    """`worker [--concurrency N]`: serve the store until SIGTERM/SIGINT."""
    return serve.main("tests.recovery.circuitapp", lambda: build().app, argv, 2)


if __name__ == "__main__":
    sys.exit(main())
