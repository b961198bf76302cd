"""A trip-booking saga the recovery tests SIGKILL in the middle of compensating.

Every step appends `<workflow id> <action> <pid>` to a log file (one O_APPEND write per line,
see crashapp.append); the log is the ground truth of what ran. `cancel_car` blocks while a
hold file exists, so a test can kill the worker while that compensation is in flight.

Run as `python -m tests.recovery.sagaapp worker` (store and lease from PODIUM_* variables).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import time
from typing import Any

import podium
from tests.recovery import serve
from tests.recovery.crashapp import append

FAST_RETRY = podium.RetryPolicy(max_attempts=3, initial_delay=0.01, jitter=False)
HOLD_LIMIT = 60.0
"""Seconds a held compensation waits at most, so a forgotten hold file cannot hang a worker."""


class HotelUnavailable(Exception):
    """The booking that fails, so the saga compensates."""


@dataclasses.dataclass(frozen=True)
class SagaApp:
    """An App with the trip workflows registered on it."""

    app: podium.App
    trip: Any
    atrip: Any


def wait_while(hold: str) -> None:
    """Block while the file `hold` exists (bounded by HOLD_LIMIT)."""
    deadline = time.monotonic() + HOLD_LIMIT
    while os.path.exists(hold) and time.monotonic() < deadline:
        time.sleep(0.01)


def build(database_url: str | None = None, **settings: Any) -> SagaApp:
    """Register the trip workflows on a new App (store from PODIUM_* when no URL)."""
    app = podium.App("sagaapp", database_url=database_url, **settings)

    def note(log: str, wf_id: str, action: str) -> None:
        append(log, f"{wf_id} {action} {os.getpid()}")

    @app.step(retry=FAST_RETRY)
    def cancel_car(booking: str, log: str, wf_id: str, hold: str) -> str:
        note(log, wf_id, "cancel_car.start")
        wait_while(hold)
        note(log, wf_id, "cancel_car.done")
        return f"cancelled {booking}"

    @app.step(compensate=cancel_car)
    def book_car(log: str, wf_id: str, hold: str) -> str:
        note(log, wf_id, "book_car")
        return "C-1"

    def cancel_flight(booking: str, log: str, wf_id: str) -> str:
        note(log, wf_id, "cancel_flight")
        return f"cancelled {booking}"

    @app.step(compensate=cancel_flight)
    def book_flight(log: str, wf_id: str) -> str:
        note(log, wf_id, "book_flight")
        return "F-1"

    @app.step
    def book_hotel(log: str, wf_id: str) -> str:
        note(log, wf_id, "book_hotel")
        raise HotelUnavailable("no rooms left")

    @app.workflow
    def trip(log: str, wf_id: str, hold: str) -> list[str]:
        with podium.saga():
            car = book_car(log, wf_id, hold)
            flight = book_flight(log, wf_id)
            return [car, flight, book_hotel(log, wf_id)]

    @app.step(retry=FAST_RETRY)
    async def acancel_car(booking: str, log: str, wf_id: str, hold: str) -> str:
        note(log, wf_id, "cancel_car.start")
        await asyncio.to_thread(wait_while, hold)
        note(log, wf_id, "cancel_car.done")
        return f"cancelled {booking}"

    @app.step(compensate=acancel_car)
    async def abook_car(log: str, wf_id: str, hold: str) -> str:
        note(log, wf_id, "book_car")
        return "C-1"

    @app.workflow
    async def atrip(log: str, wf_id: str, hold: str) -> list[str]:
        async with podium.saga():
            car = await abook_car(log, wf_id, hold)
            flight = book_flight(log, wf_id)
            return [car, flight, book_hotel(log, wf_id)]

    return SagaApp(app, trip, atrip)


def main(argv: list[str] | None = None) -> int:
    """`worker [--concurrency N]`: serve the store until SIGTERM/SIGINT."""
    return serve.main("tests.recovery.sagaapp", lambda: build().app, argv, 2)


if __name__ == "__main__":
    sys.exit(main())
