"""The workflows the chaos suite SIGKILLs workers under, and the worker those processes run.

One workflow, `mixed`, goes through every durable feature the suite exercises: a plain step,
a retried step whose first attempt fails on purpose, a durable sleep, a fan-out of submitted
steps gathered back, a message the harness sends, an event the workflow publishes (outbox)
and then waits for, and, in even variants, a saga whose last step fails so that its two
bookings are compensated. Its output is a pure function of its id and variant (`expected`).

Every step execution appends `<wf> <label> <phase> <pid> <idempotency key> <time>` to a log
(one `os.write` on an O_APPEND descriptor, so lines of concurrent processes never
interleave); phase is `start`, `end` or `fail`. The log is the ground truth of what ran.

Run as `python -m tests.chaos.chaosapp worker --concurrency 4` (store, lease and poll
interval from the PODIUM_* environment).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
import time
from typing import Any

import podium
from podium import errors
from tests.recovery import serve
from tests.recovery.crashapp import append, read_lines

FLAKY = podium.RetryPolicy(max_attempts=4, initial_delay=0.05, backoff=1.0, jitter=False)
ONCE = podium.RetryPolicy(max_attempts=1)
FANOUT = 3
STEP_PAUSE = 0.02
"""Seconds each step works, so kills land in the middle of step bodies."""
NAP = 0.3
"""Base length of the durable sleep (plus 0.1 s per variant step)."""


class Refused(Exception):
    """The saga step that always fails, so the saga compensates."""


def value(wf_id: str, label: str) -> int:
    """What step `label` of workflow `wf_id` returns."""
    return (sum(map(ord, wf_id)) * 7 + sum(map(ord, label))) % 1009


def saga_compensates(variant: int) -> bool:
    """Whether the variant runs the failing saga (and so two compensations)."""
    return variant % 2 == 0


def expected(wf_id: str, variant: int) -> dict[str, Any]:
    """The output of `mixed(log, wf_id, variant)` in a run with no crash."""
    out: dict[str, Any] = {
        "a": value(wf_id, "a"),
        "retried": value(wf_id, "retried"),
        "fan": sum(value(wf_id, f"part{i}") for i in range(FANOUT)),
        "message": {"go": wf_id},
        "event": {"note": wf_id},
    }
    if saga_compensates(variant):
        out["saga"] = ["cancel:book2", "cancel:book1"]
    out["z"] = value(wf_id, "z")
    return out


def log_run(log: str, wf_id: str, label: str, phase: str) -> None:
    """One line of the side log for the step execution running now."""
    key = podium.idempotency_key()
    append(log, f"{wf_id} {label} {phase} {os.getpid()} {key} {time.time()!r}")


@dataclasses.dataclass(frozen=True)
class ChaosApp:
    """An App with the chaos workflow registered on it."""

    app: podium.App
    mixed: Any


def build(database_url: str | None = None, **settings: Any) -> ChaosApp:
    """Register the chaos workflow on a new App (store and timings from PODIUM_* if not given)."""
    app = podium.App("chaosapp", database_url=database_url, **settings)

    @app.step
    def work(log: str, wf_id: str, label: str) -> int:
        log_run(log, wf_id, label, "start")
        time.sleep(STEP_PAUSE)
        log_run(log, wf_id, label, "end")
        return value(wf_id, label)

    @app.step(retry=FLAKY)
    def flaky(log: str, wf_id: str, label: str) -> int:
        earlier = any(words[:3] == [wf_id, label, "start"] for words in read_lines(log))
        log_run(log, wf_id, label, "start")
        time.sleep(STEP_PAUSE)
        if not earlier:
            log_run(log, wf_id, label, "fail")
            raise RuntimeError("planned failure of the first attempt")
        log_run(log, wf_id, label, "end")
        return value(wf_id, label)

    @app.step(retry=FLAKY)
    def cancel(booking: str, log: str, wf_id: str, label: str) -> str:
        log_run(log, wf_id, f"cancel-{label}", "start")
        time.sleep(STEP_PAUSE)
        log_run(log, wf_id, f"cancel-{label}", "end")
        return f"cancel:{booking}"

    @app.step(compensate=cancel)
    def book(log: str, wf_id: str, label: str) -> str:
        log_run(log, wf_id, label, "start")
        time.sleep(STEP_PAUSE)
        log_run(log, wf_id, label, "end")
        return label

    @app.step(retry=ONCE)
    def refuse(log: str, wf_id: str, label: str) -> str:
        log_run(log, wf_id, label, "start")
        time.sleep(STEP_PAUSE)
        log_run(log, wf_id, label, "fail")
        raise Refused("no")

    @app.workflow
    def mixed(log: str, wf_id: str, variant: int) -> dict[str, Any]:
        out: dict[str, Any] = {"a": work(log, wf_id, "a")}
        out["retried"] = flaky(log, wf_id, "retried")
        podium.sleep(NAP + 0.1 * (variant % 4))
        parts = [work.submit(log, wf_id, f"part{i}") for i in range(FANOUT)]
        out["fan"] = sum(podium.gather(*parts))
        out["message"] = podium.receive("go")
        app.publish("chaos.note", {"note": wf_id}, key=wf_id, id=f"note-{wf_id}")
        out["event"] = podium.wait_for_event("chaos.note", key=wf_id, since=0.0)
        if saga_compensates(variant):
            try:
                with podium.saga():
                    book(log, wf_id, "book1")
                    book(log, wf_id, "book2")
                    refuse(log, wf_id, "refuse")
            except Refused:
                out["saga"] = compensations(log, wf_id)
        out["z"] = work(log, wf_id, "z")
        return out

    @app.step
    def compensations(log: str, wf_id: str) -> list[str]:
        """The compensations the side log shows ended for `wf_id`, in order (first end each)."""
        seen: list[str] = []
        for words in read_lines(log):
            if words[0] == wf_id and words[1].startswith("cancel-") and words[2] == "end":
                done = f"cancel:{words[1].removeprefix('cancel-')}"
                if done not in seen:
                    seen.append(done)
        return seen

    return ChaosApp(app, mixed)


def main(argv: list[str] | None = None) -> int:
    """`worker [--concurrency N]`: serve the store until SIGTERM/SIGINT.

    A store that is down at start (a PostgreSQL restart in progress) is waited for, every
    0.2 s, as `podium worker` does (with a shorter delay: the harness restarts it on purpose).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    concurrency = int(args[2]) if args[1:2] == ["--concurrency"] else 4
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    signal.signal(signal.SIGTERM, serve._exit_cleanly)
    app = build().app
    while True:
        try:
            worker = app.worker(concurrency=concurrency)
            break
        except errors.StoreUnavailable as exc:
            logging.warning("the database is unavailable (%s); retrying", exc)
            time.sleep(0.2)
    print(f"worker {os.getpid()} up", flush=True)
    try:
        worker.run()
    finally:
        app.close()
    print(f"worker {os.getpid()} stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
