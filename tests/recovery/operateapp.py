"""Workflows for the SIGKILL tests of updates and pausing.

`cart` applies updates while it waits; its `add` handler appends `apply ITEM PID` to a log
and, for an item named `slow...`, sleeps before changing the state, so a test can kill the
worker in the middle of an update's application. `steps` runs numbered steps that each log
`N PID`, for pausing. Run as `python -m tests.recovery.operateapp serve` (store from
PODIUM_DATABASE_URL) to serve until SIGTERM.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
import types
from typing import Any

import podium
from tests.recovery.crashapp import append

SLOW_SECONDS = 3.0
STEP_SECONDS = 0.1


@dataclasses.dataclass(frozen=True)
class OperateApp:
    """An App with the `cart` and `steps` workflows."""

    app: podium.App
    cart: Any
    steps: Any


def build(database_url: str | None = None, **settings: Any) -> OperateApp:
    """Register the workflows on a new App (store from PODIUM_* when no URL)."""
    app = podium.App("operateapp", database_url=database_url, **settings)

    @app.step
    def count(items: list[str]) -> int:
        return len(items)

    @app.workflow
    def cart(log: str) -> dict[str, Any]:
        state = podium.state({"items": [], "open": True})
        podium.wait_condition(lambda: not state["open"], timeout=120)
        return {"items": list(state["items"]), "n": count(state["items"])}

    @cart.update("add")
    def add(state: dict[str, Any], item: str) -> int:
        append(state_log(), f"apply {item} {os.getpid()}")
        if item.startswith("slow"):
            time.sleep(SLOW_SECONDS)
        state["items"].append(item)
        return len(state["items"])

    @cart.update("close")
    def close(state: dict[str, Any]) -> str:
        state["open"] = False
        return "closed"

    @app.step
    def numbered(log: str, n: int) -> int:
        append(log, f"{n} {os.getpid()}")
        time.sleep(STEP_SECONDS)
        return n

    @app.workflow
    def steps(log: str, total: int) -> int:
        return sum(numbered(log, n) for n in range(total))

    return OperateApp(app, cart, steps)


def state_log() -> str:
    """Where update handlers log (the handler sees only the state and its argument)."""
    return os.environ.get("OPERATEAPP_LOG", os.devnull)


def _exit_cleanly(signum: int, frame: types.FrameType | None) -> None:
    raise SystemExit(0)


def main() -> int:
    """Serve until SIGTERM."""
    signal.signal(signal.SIGTERM, _exit_cleanly)
    built = build()
    worker = built.app.worker(concurrency=4)
    print(f"worker {os.getpid()} up", flush=True)
    try:
        worker.run()
    finally:
        built.app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
