"""Which workflows have a run in flight in this process (an engine interceptor)."""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Iterator

from podium.engine import interceptors


class RunTracker(interceptors.Interceptor):
    """Counts the runs in flight per workflow id, whoever runs them (a TestEnv, a worker)."""

    def __init__(self) -> None:
        self._running: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def run(self, info: interceptors.RunInfo) -> contextlib.AbstractContextManager[None]:
        """Count the run while it lasts."""
        return self._counting(info.workflow_id)

    @contextlib.contextmanager
    def _counting(self, workflow_id: str) -> Iterator[None]:
        with self._lock:
            self._running[workflow_id] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[workflow_id] -= 1
                if self._running[workflow_id] <= 0:
                    del self._running[workflow_id]

    def in_flight(self) -> set[str]:
        """The ids of the workflows being run now."""
        with self._lock:
            return set(self._running)
