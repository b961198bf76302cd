"""Event-triggered workflows the recovery tests SIGKILL publishers and workers under.

`job` events start `on_job`, whose step `work` logs `<n> work <pid>` and publishes a
`job.audit` event from inside the step; the workflow body then publishes `job.done` (an outbox
write), which starts `on_done`, whose step logs `<n> done <pid>`. The log is the ground truth
of what ran; the store is the truth of what was published and started.

Run as `python -m tests.recovery.eventsapp worker [--concurrency N]` or
`... publish --count N --log LOG` (store and timings from the PODIUM_* environment).
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
from tests.recovery.crashapp import append

STEP_SECONDS = 0.01
"""How long each step works, so kills land in the middle of runs and publishes."""


@dataclasses.dataclass(frozen=True)
class EventsApp:
    """An App with the event-triggered workflows registered on it."""

    app: podium.App
    on_job: Any
    on_done: Any


def build(database_url: str | None = None, **settings: Any) -> EventsApp:
    """Register the workflows on a new App (store from PODIUM_* when no URL)."""
    app = podium.App("eventsapp", database_url=database_url, **settings)

    @app.step
    def work(job: dict[str, Any]) -> int:
        append(job["log"], f"{job['n']} work {os.getpid()}")
        time.sleep(STEP_SECONDS)
        app.publish("job.audit", {"n": job["n"]}, key=str(job["n"]))
        return int(job["n"]) * 2

    @app.step
    def finish(job: dict[str, Any]) -> int:
        append(job["log"], f"{job['n']} done {os.getpid()}")
        time.sleep(STEP_SECONDS)
        return int(job["n"])

    @app.workflow(on_event="job")
    def on_job(job: dict[str, Any]) -> int:
        doubled = work(job)
        app.publish("job.done", {**job, "doubled": doubled}, key=str(job["n"]))
        return doubled

    @app.workflow(on_event="job.d*")
    def on_done(job: dict[str, Any]) -> int:
        return finish(job)

    return EventsApp(app, on_job, on_done)


def job_id(n: int) -> str:
    """The event id of job `n` (the same in every publisher, so republishing is idempotent)."""
    return f"job-{n}"


def _exit_cleanly(signum: int, frame: object) -> None:
    """SIGTERM before `Worker.run` installs its own handler: a clean exit, not a crash."""
    raise SystemExit(0)


def run_worker(concurrency: int) -> int:
    """Serve the store until SIGTERM/SIGINT."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    built = build()
    worker = built.app.worker(concurrency=concurrency)
    print(f"worker {os.getpid()} up", flush=True)
    try:
        worker.run()
    finally:
        built.app.close()
    print(f"worker {os.getpid()} stopped", flush=True)
    return 0


def run_publisher(count: int, log: str) -> int:
    """Publish jobs 0..count-1 one by one (a pause between, so a kill lands mid-stream)."""
    built = build()
    print(f"publisher {os.getpid()} up", flush=True)
    try:
        for n in range(count):
            built.app.publish("job", {"n": n, "log": log}, key=str(n), id=job_id(n))
            time.sleep(0.002)
    finally:
        built.app.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """`worker [--concurrency N]` or `publish --count N --log LOG`."""
    args = sys.argv[1:] if argv is None else argv
    options = dict(zip(args[1::2], args[2::2], strict=False))
    if args[:1] == ["worker"]:
        return run_worker(int(options.get("--concurrency", "4")))
    if args[:1] == ["publish"]:
        return run_publisher(int(options["--count"]), options["--log"])
    print(
        "usage: python -m tests.recovery.eventsapp worker [--concurrency N] | "
        "publish --count N --log LOG",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
