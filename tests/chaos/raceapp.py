"""What the race tests do from many threads of several processes at the same moment.

`python -m tests.chaos.raceapp race KIND --log L --out O --threads T --repeat R --ready F
--go G`: waits for the go file, then each of T threads does R times one of:

- `start`: `app.start(once, ..., id="the-one")` and waits for the result;
- `send`: `ticket.send("T-1", "start")` (the first wins, the rest are refused);
- `publish`: `app.publish("race.topic", ..., id="evt-1")` (one event, one subscriber run);
- `message`: `app.get("box").send("mail", ..., id="msg-1")` (delivered once).

Each call appends `<kind> <what the caller got>` to the out file. `worker` serves the store.
Store and timings come from the PODIUM_* environment.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import podium
from tests.recovery import serve
from tests.recovery.crashapp import append

TRANSITIONS = [("start", "open", "in_progress"), ("close", "in_progress", "closed")]


@dataclasses.dataclass(frozen=True)
class RaceApp:
    """The App and its state machine."""

    app: podium.App
    ticket: Any


def build(database_url: str | None = None, **settings: Any) -> RaceApp:
    """The App with the raced workflows, the state machine and the subscriber."""
    app = podium.App("raceapp", database_url=database_url, **settings)

    @app.step
    def touch(log: str, tag: str) -> str:
        append(log, f"{tag} {os.getpid()}")
        return tag

    @app.workflow
    def once(log: str, tag: str) -> str:
        return touch(log, tag)

    @app.workflow(on_event="race.topic")
    def subscriber(payload: dict[str, Any]) -> str:
        return touch(payload["log"], "subscriber")

    @app.workflow
    def box(log: str) -> list[Any]:
        first = podium.receive("mail", timeout=60)
        touch(log, "received")
        return [first, podium.receive("mail", timeout=1.0)]  # a duplicate would arrive here

    ticket = app.state_machine("ticket", initial="open", transitions=TRANSITIONS, final=["closed"])
    return RaceApp(app, ticket)


def race_once(built: RaceApp, kind: str, log: str) -> str:
    """One racing call of `kind`; what the caller got, as one word."""
    app = built.app
    if kind == "start":
        handle = app.start("once", log, "the-one", id="the-one")
        return f"{handle.id}={handle.result(timeout=120)}"
    if kind == "send":
        try:
            return f"won:{built.ticket.send('T-1', 'start').seq}"
        except podium.InvalidTransition:
            return "refused"
    if kind == "publish":
        return app.publish("race.topic", {"log": log}, id="evt-1")
    if kind == "message":
        return app.get("box").send("mail", {"n": 1}, id="msg-1")
    raise ValueError(kind)


def race(args: argparse.Namespace) -> int:
    """Wait for the go file, then race `args.threads` threads `args.repeat` times each."""
    built = build()
    app = built.app
    errors: list[BaseException] = []
    try:
        app.store  # noqa: B018 - open the store before the race begins
        Path(args.ready).touch()
        deadline = time.monotonic() + 60
        while not os.path.exists(args.go):
            if time.monotonic() > deadline:
                print("no go file", file=sys.stderr)
                return 1
            time.sleep(0.001)

        def racer() -> None:
            try:
                for _ in range(args.repeat):
                    append(args.out, f"{args.kind} {race_once(built, args.kind, args.log)}")
            except BaseException as exc:
                errors.append(exc)
                raise

        threads = [threading.Thread(target=racer) for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        app.close()
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    """`worker [--concurrency N]` or `race KIND ...` (see the module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["race"]:
        return serve.main("tests.chaos.raceapp", lambda: build().app, args)
    parser = argparse.ArgumentParser(prog="raceapp race")
    parser.add_argument("kind", choices=["start", "send", "publish", "message"])
    for option in ("--log", "--out", "--ready", "--go"):
        parser.add_argument(option, required=True)
    parser.add_argument("--threads", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=50)
    return race(parser.parse_args(args[1:]))


if __name__ == "__main__":
    sys.exit(main())
