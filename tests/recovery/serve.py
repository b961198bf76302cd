"""The `worker` command every crash-test app module runs as a subprocess."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence

import podium


def _exit_cleanly(signum: int, frame: object) -> None:
    """SIGTERM before `Worker.run` installs its own handler: a clean exit, not a crash."""
    raise SystemExit(0)


def main(
    module: str,
    build: Callable[[], podium.App],
    argv: Sequence[str] | None = None,
    concurrency: int = 2,
) -> int:
    """`worker [--concurrency N]`: serve the app `build()` makes until SIGTERM/SIGINT."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "worker":
        print(f"usage: python -m {module} worker [--concurrency N]", file=sys.stderr)
        return 2
    if args[1:2] == ["--concurrency"]:
        concurrency = int(args[2])
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    app = build()
    worker = app.worker(concurrency=concurrency)
    print(f"worker {os.getpid()} up", flush=True)
    try:
        worker.run()
    finally:
        app.close()
    print(f"worker {os.getpid()} stopped", flush=True)
    return 0
