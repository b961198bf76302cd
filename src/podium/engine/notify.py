"""In-process wake-ups: new work for local workers, finished workflows for local waiters."""

from __future__ import annotations

import threading


class Notifier:
    """Two signals shared by an App's workers and handles; the store remains the truth."""

    def __init__(self) -> None:
        self._work = threading.Event()
        self._finished = threading.Condition()
        self._generation = 0

    def work_available(self) -> None:
        """Tell local workers to look for work now."""
        self._work.set()

    def wait_for_work(self, timeout: float) -> None:
        """Block until `work_available` or `timeout` seconds."""
        if self._work.wait(timeout):
            self._work.clear()

    def generation(self) -> int:
        """A counter that moves every time a workflow run ends in this process."""
        return self._generation

    def run_ended(self) -> None:
        """Wake everyone waiting in `wait_for_end`."""
        with self._finished:
            self._generation += 1
            self._finished.notify_all()

    def wait_for_end(self, seen: int, timeout: float) -> None:
        """Block until the generation moves past `seen`, or `timeout` seconds."""
        with self._finished:
            if self._generation == seen:
                self._finished.wait(timeout)
