"""A workflow that loops by continue-as-new, for the SIGKILL test of its round changes.

Every tick appends `N PID` to a log (one O_APPEND write), the ground truth of what ran. Run as
`python -m tests.recovery.versionsapp` (store from PODIUM_DATABASE_URL) to serve until SIGTERM.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import types
from typing import Any

import podium
from tests.recovery.crashapp import append

LAST = 30
TICK_SECONDS = 0.03


def build(database_url: str | None = None, **settings: Any) -> tuple[podium.App, Any]:
    """The App with the `rounds` workflow: one tick a round, LAST + 1 rounds."""
    app = podium.App("versionsapp", database_url=database_url, **settings)

    @app.step
    def tick(log: str, n: int) -> int:
        append(log, f"{n} {os.getpid()}")
        time.sleep(TICK_SECONDS)
        return n

    @app.workflow
    def rounds(log: str, n: int, total: int) -> int:
        total += tick(log, n)
        if n == LAST:
            return total
        podium.continue_as_new(log, n + 1, total)

    return app, rounds


def _exit_cleanly(signum: int, frame: types.FrameType | None) -> None:
    raise SystemExit(0)


def main() -> int:
    """Serve until SIGTERM."""
    signal.signal(signal.SIGTERM, _exit_cleanly)
    app, _ = build()
    worker = app.worker(concurrency=2)
    print(f"worker {os.getpid()} up", flush=True)
    try:
        worker.run()
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
