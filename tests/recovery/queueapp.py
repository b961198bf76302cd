"""A queue with limits that the queue crash test drains with worker processes it kills.

Every scan appends `start N PID T` and `end N PID T` lines to a log (one O_APPEND write
each), the ground truth of what really ran when. Run as `python -m tests.recovery.queueapp
worker` (store from PODIUM_DATABASE_URL).
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

CONCURRENCY = 3
SCAN_SECONDS = 0.05


def build(database_url: str | None = None, **settings: Any) -> tuple[podium.App, Any]:
    """The App with queue "scan" (concurrency CONCURRENCY) and its `upload` workflow."""
    app = podium.App("queueapp", database_url=database_url, **settings)
    app.queue("scan", concurrency=CONCURRENCY)

    @app.step
    def scan(log: str, n: int) -> int:
        append(log, f"start {n} {os.getpid()} {time.time()!r}")
        time.sleep(SCAN_SECONDS)
        append(log, f"end {n} {os.getpid()} {time.time()!r}")
        return n * n

    @app.workflow(queue="scan")
    def upload(log: str, n: int) -> int:
        return int(scan(log, n))

    return app, upload


def _exit_cleanly(signum: int, frame: types.FrameType | None) -> None:
    raise SystemExit(0)


def main() -> int:
    """Serve queue "scan" until SIGTERM."""
    signal.signal(signal.SIGTERM, _exit_cleanly)
    app, _ = build()
    worker = app.worker(concurrency=4, queues=["scan"])
    print(f"worker {os.getpid()} up", flush=True)
    try:
        worker.run()
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
