"""Workflows the recovery tests crash, and the runner their worker processes execute.

Every step appends one line to a log file (one `os.write` on an O_APPEND descriptor, so lines
from concurrent processes never interleave); the log is the ground truth of what really ran.

Run as `python -m tests.recovery.crashapp worker --concurrency 4` (store and lease from the
PODIUM_* environment) or `... start --log L --ids a b --repeat 100 --ready R --go G`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import random
import signal
import sys
import time
import types
from pathlib import Path
from typing import Any

import podium

MODULUS = 1_000_000_007
RETRY = podium.RetryPolicy(max_attempts=5, initial_delay=1.5, backoff=1.0, jitter=False)


def append(log: str, line: str) -> None:
    """Append one line atomically (a single write on an O_APPEND descriptor)."""
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def read_lines(log: str | Path) -> list[list[str]]:
    """The log's lines split into words ([] when the file does not exist yet)."""
    try:
        text = Path(log).read_text()
    except FileNotFoundError:
        return []
    return [line.split() for line in text.splitlines() if line]


def link_value(wf_id: str, n: int) -> int:
    """What step `n` of chain workflow `wf_id` returns."""
    return (n + 1) * (1 + sum(map(ord, wf_id)) % 97)


def chain_total(wf_id: str, steps: int) -> int:
    """The result of a chain workflow: an order-sensitive fold of its step results."""
    total = 0
    for n in range(steps):
        total = (total * 31 + link_value(wf_id, n)) % MODULUS
    return total


@dataclasses.dataclass(frozen=True)
class CrashApp:
    """An App with the recovery workflows registered on it."""

    app: podium.App
    chain: Any
    achain: Any
    once: Any
    hold: Any
    nap: Any
    flaky: Any


def build(database_url: str | None = None, **settings: Any) -> CrashApp:
    """Register the recovery workflows on a new App (store from PODIUM_* when no URL)."""
    app = podium.App("crashapp", database_url=database_url, **settings)

    @app.step
    def link(log: str, wf_id: str, n: int) -> int:
        append(log, f"{wf_id} {n} {os.getpid()}")
        time.sleep(random.uniform(0.005, 0.03))
        return link_value(wf_id, n)

    @app.workflow
    def chain(log: str, wf_id: str, steps: int) -> dict[str, Any]:
        total = 0
        for n in range(steps):
            total = (total * 31 + link(log, wf_id, n)) % MODULUS
        return {"id": wf_id, "total": total}

    @app.step
    async def alink(log: str, wf_id: str, n: int) -> int:
        append(log, f"{wf_id} {n} {os.getpid()}")
        await asyncio.sleep(random.uniform(0.005, 0.03))
        return link_value(wf_id, n)

    @app.workflow
    async def achain(log: str, wf_id: str, steps: int) -> dict[str, Any]:
        total = 0
        for n in range(steps):
            total = (total * 31 + await alink(log, wf_id, n)) % MODULUS
        return {"id": wf_id, "total": total}

    @app.step
    def touch(log: str, tag: str) -> str:
        append(log, f"{tag} {os.getpid()}")
        return tag

    @app.workflow
    def once(log: str, tag: str) -> str:
        return touch(log, tag)

    @app.step
    def hold_step(log: str, wf_id: str, seconds: float) -> int:
        append(log, f"{wf_id} start {os.getpid()}")
        time.sleep(seconds)
        append(log, f"{wf_id} end {os.getpid()}")
        return os.getpid()

    @app.workflow
    def hold(log: str, wf_id: str, seconds: float) -> dict[str, int]:
        return {"pid": hold_step(log, wf_id, seconds)}

    @app.step
    def mark(log: str, wf_id: str, label: str) -> str:
        append(log, f"{wf_id} {label} {os.getpid()} {time.time()!r}")
        return label

    @app.workflow
    def nap(log: str, wf_id: str, seconds: float) -> list[str]:
        first = mark(log, wf_id, "before")
        podium.sleep(seconds)
        return [first, mark(log, wf_id, "after")]

    @app.step(retry=RETRY)
    def flaky_step(log: str, wf_id: str, failures: int) -> int:
        append(log, f"{wf_id} attempt {os.getpid()}")
        runs = sum(1 for words in read_lines(log) if words[0] == wf_id)
        if runs <= failures:
            raise RuntimeError(f"planned failure {runs} of {failures}")
        return runs

    @app.workflow
    def flaky(log: str, wf_id: str, failures: int) -> int:
        return flaky_step(log, wf_id, failures)

    return CrashApp(app, chain, achain, once, hold, nap, flaky)


def _exit_cleanly(signum: int, frame: types.FrameType | None) -> None:
    """SIGTERM before `Worker.run` installs its own handler: a clean exit, not a crash."""
    raise SystemExit(0)


def run_worker(concurrency: int) -> int:
    """Serve the store until SIGTERM/SIGINT."""
    signal.signal(signal.SIGTERM, _exit_cleanly)
    crash = build()
    worker = crash.app.worker(concurrency=concurrency)
    print(f"worker {os.getpid()} up", flush=True)
    try:
        worker.run()
    finally:
        crash.app.close()
    print(f"worker {os.getpid()} stopped", flush=True)
    return 0


def run_starter(log: str, ids: list[str], repeat: int, ready: str, go: str) -> int:
    """Wait for the go file, then start `once` under each id, `repeat` rounds."""
    crash = build()
    try:
        crash.app.store  # noqa: B018 - open the store before the race begins
        Path(ready).touch()
        deadline = time.monotonic() + 30
        while not os.path.exists(go):
            if time.monotonic() > deadline:
                print("no go file", file=sys.stderr)
                return 1
            time.sleep(0.001)
        for _ in range(repeat):
            for tag in ids:
                crash.app.start(crash.once, log, tag, id=tag)
    finally:
        crash.app.close()
    print(f"starter {os.getpid()} done", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line of the recovery subprocesses."""
    parser = argparse.ArgumentParser(prog="crashapp")
    sub = parser.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker")
    worker.add_argument("--concurrency", type=int, default=4)
    starter = sub.add_parser("start")
    starter.add_argument("--log", required=True)
    starter.add_argument("--ids", nargs="+", required=True)
    starter.add_argument("--repeat", type=int, default=1)
    starter.add_argument("--ready", required=True)
    starter.add_argument("--go", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "worker":
        return run_worker(args.concurrency)
    return run_starter(args.log, args.ids, args.repeat, args.ready, args.go)


if __name__ == "__main__":
    sys.exit(main())
