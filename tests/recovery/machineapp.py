"""A support-ticket state machine the recovery tests SIGKILL while an `on_enter` action runs.

Every action appends `<instance> <action> <pid>` to the log file named in the instance's data
(one O_APPEND write per line, see crashapp.append); the log is the ground truth of what ran.
`notify` (on entering "resolved") blocks while the hold file named in the data exists, so a
test can kill the worker while that action is in flight.

Run as `python -m tests.recovery.machineapp worker` (store and lease from PODIUM_* variables).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Any

import podium
from podium.patterns import statemachine
from tests.recovery import serve
from tests.recovery.crashapp import append
from tests.recovery.sagaapp import wait_while

FAST_RETRY = podium.RetryPolicy(max_attempts=3, initial_delay=0.01, jitter=False)
TRANSITIONS = [
    ("start", "open", "in_progress"),
    ("resolve", "in_progress", "resolved"),
    ("reopen", "resolved", "open"),
    ("close", "resolved", "closed"),
]


@dataclasses.dataclass(frozen=True)
class MachineApp:
    """An App with the ticket machine registered on it."""

    app: podium.App
    ticket: statemachine.StateMachine


def build(database_url: str | None = None, **settings: Any) -> MachineApp:
    """Register the ticket machine and its actions on a new App (store from PODIUM_*)."""
    app = podium.App("machineapp", database_url=database_url, **settings)
    ticket = app.state_machine("ticket", initial="open", transitions=TRANSITIONS, final="closed")

    def note(change: dict[str, Any], action: str) -> None:
        append(change["data"]["log"], f"{change['instance']} {action} {os.getpid()}")

    @ticket.on_exit("open")
    def assign(change: dict[str, Any]) -> str:
        note(change, "assign")
        return "assigned"

    @app.step(retry=FAST_RETRY)
    def notify(change: dict[str, Any]) -> str:
        note(change, "notify.start")
        wait_while(change["data"]["hold"])
        note(change, "notify.done")
        return f"notified about {change['instance']}"

    ticket.on_enter("resolved")(notify)
    return MachineApp(app, ticket)


def main(argv: list[str] | None = None) -> int:
    """`worker [--concurrency N]`: serve the store until SIGTERM/SIGINT."""
    return serve.main("tests.recovery.machineapp", lambda: build().app, argv, 2)


if __name__ == "__main__":
    sys.exit(main())
