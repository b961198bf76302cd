"""A worker service that runs one step at a time on a daemon thread until it is stopped.

The worker starts and stops its services (see `hooks.Service`); schedules, telemetry and
remediation rules each run this way. A step that fails is logged and tried again after
`retry_seconds`; it never ends the thread.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Generic, Self, TypeVar

R = TypeVar("R")


class Loop:
    """Calls `step()` on its own thread; each call returns how long to wait before the next."""

    name = "podium-service"
    """The thread's name (and what a failed step's log line calls it)."""

    def __init__(self, log: logging.Logger) -> None:
        self.log = log
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def first_wait(self) -> float:
        """Seconds before the first step (none by default)."""
        return 0.0

    def retry_seconds(self) -> float:
        """Seconds to wait after a step that raised."""
        return 1.0

    def step(self) -> float:
        """Do one round of work; return the seconds to wait before the next."""
        raise NotImplementedError

    def stopped(self) -> None:
        """Called once the thread has ended (a last flush, say)."""

    def start(self) -> Self:
        """Start the thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread (a step in progress finishes first), then `stopped()`."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.stopped()

    def _run(self) -> None:
        wait = self.first_wait()
        while not self._stop.wait(wait):
            try:
                wait = self.step()
            except Exception:
                self.log.exception("%s: a step failed; retrying", self.name)
                wait = self.retry_seconds()


class Periodic(Loop):
    """Calls `work()` once a period, starting one period after the start.

    The next call comes one period after each call, whether it returned or raised; `period()`
    is read each time.
    """

    def __init__(
        self,
        name: str,
        log: logging.Logger,
        work: Callable[[], object],
        period: Callable[[], float],
    ) -> None:
        super().__init__(log)
        self.name = name
        self._work = work
        self._period = period

    def first_wait(self) -> float:
        """See `Loop.first_wait`: one period."""
        return self._period()

    def retry_seconds(self) -> float:
        """See `Loop.retry_seconds`: one period."""
        return self._period()

    def step(self) -> float:
        """Call `work()`; wait one period."""
        self._work()
        return self._period()


@dataclasses.dataclass(frozen=True)
class PerWorker(Generic[R]):
    """A worker service factory (see engine/hooks): a new `loop(runtime)` beside every worker.

    Two are equal when they make the same loop over the same runtime, so plugging an app's
    patterns again adds no second one.
    """

    loop: Callable[[R], Loop]
    runtime: R

    def __call__(self) -> Loop:
        """A loop for one more worker."""
        return self.loop(self.runtime)
