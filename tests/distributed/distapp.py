"""Workflows the distributed tests run on PostgreSQL, and the runner of their worker processes.

Every step appends one line to a side log (one `os.write` on an O_APPEND descriptor, so lines
of concurrent processes never interleave): the log is the ground truth of what ran where.
Every chain step also returns the pid that ran it, so the store's history says which worker
committed each position.

Run as `python -m tests.distributed.distapp worker --concurrency 4` (store, lease and poll
interval from the PODIUM_* environment).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
import time
import types
from typing import Any

import podium
from tests.recovery.crashapp import MODULUS, append, link_value, read_lines


@dataclasses.dataclass(frozen=True)
class DistApp:
    """An App with the distributed-test workflows registered on it."""

    app: podium.App
    chain: Any
    hold: Any
    fan: Any


def build(database_url: str | None = None, **settings: Any) -> DistApp:
    """Register the workflows on a new App (store and timings from PODIUM_* when not given)."""
    app = podium.App("distapp", database_url=database_url, **settings)

    @app.step
    def link(log: str, wf_id: str, n: int, pause: float) -> list[int]:
        append(log, f"{wf_id} {n} {os.getpid()}")
        if pause:
            time.sleep(pause)
        return [os.getpid(), link_value(wf_id, n)]

    @app.workflow
    def chain(log: str, wf_id: str, steps: int, pause: float = 0.0) -> dict[str, Any]:
        total = 0
        for n in range(steps):
            _pid, value = link(log, wf_id, n, pause)
            total = (total * 31 + value) % MODULUS
        return {"id": wf_id, "total": total}

    @app.step
    def hold_step(log: str, wf_id: str, first: float, later: float) -> int:
        again = any(words[:2] == [wf_id, "start"] for words in read_lines(log))
        append(log, f"{wf_id} start {os.getpid()}")
        time.sleep(later if again else first)
        append(log, f"{wf_id} end {os.getpid()}")
        return os.getpid()

    @app.workflow
    def hold(log: str, wf_id: str, first: float, later: float) -> dict[str, int]:
        return {"pid": hold_step(log, wf_id, first, later)}

    @app.workflow
    def fan(log: str, wf_id: str, width: int) -> list[list[int]]:
        futures = [link.submit(log, wf_id, n, 0.0) for n in range(width)]
        return podium.gather(*futures)  # type: ignore[no-any-return]

    return DistApp(app, chain, hold, fan)


def _exit_cleanly(signum: int, frame: types.FrameType | None) -> None:
    """SIGTERM before `Worker.run` installs its own handler: a clean exit, not a crash."""
    raise SystemExit(0)


def run_worker(concurrency: int) -> int:
    """Serve the store until SIGTERM/SIGINT."""
    signal.signal(signal.SIGTERM, _exit_cleanly)
    dist = build()
    dist.app.store  # noqa: B018 - connect (and migrate) before saying "up"
    worker = dist.app.worker(concurrency=concurrency)
    print(f"worker {os.getpid()} up", flush=True)
    try:
        worker.run()
    finally:
        dist.app.close()
    print(f"worker {os.getpid()} stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line of the distributed-test worker processes."""
    parser = argparse.ArgumentParser(prog="distapp")
    sub = parser.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker")
    worker.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s",
    )
    return run_worker(args.concurrency)


if __name__ == "__main__":
    sys.exit(main())
