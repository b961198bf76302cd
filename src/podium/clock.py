"""Clocks: the system clock, and a fake one tests drive by hand."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Wall-clock seconds since the epoch, and a way to wait."""

    def time(self) -> float:
        """Return the current time in seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for `seconds`."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        """Return `time.time()`."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to: `advance()` or a `sleep()` by the code under test."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def time(self) -> float:
        """Return the fake current time."""
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        """Advance the clock instead of waiting."""
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`."""
        with self._lock:
            self._now += max(0.0, seconds)


def wait(clock: Clock, event: threading.Event, seconds: float | None, poll: float) -> bool:
    """Wait for `event`, or until `seconds` of `clock` time pass; whether `event` is set.

    The system clock (and any other) waits for real, at most `poll` seconds at a time, so the
    caller looks again. A `FakeClock` cannot be waited on: nobody may ever move it. It skips
    ahead instead: when `event` is not set after a moment, it advances by `seconds` (time
    skipping, as a test wants of a 7-day timer). With `seconds` None (no due time known) it
    only waits `poll` real seconds and does not move.
    """
    if isinstance(clock, FakeClock) and seconds is not None:
        if event.wait(0.001):
            return True
        clock.advance(seconds)
        return event.is_set()
    limit = poll if seconds is None else min(poll, max(0.001, seconds))
    return event.wait(limit)
