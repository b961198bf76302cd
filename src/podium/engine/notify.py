"""In-process wake-ups: new work for local workers, finished workflows for local waiters."""

from __future__ import annotations

import threading


class Notifier:
    """Signals shared by an App's workers and handles; the store remains the truth.

    Waiters watch one workflow id, so a run that ends wakes only those waiting for it.
    """

    def __init__(self) -> None:
        self._work = threading.Event()
        self._lock = threading.Lock()
        self._watchers: dict[str, list[threading.Event]] = {}

    def work_available(self) -> None:
        """Tell local workers to look for work now."""
        self._work.set()

    def wait_for_work(self, timeout: float) -> bool:
        """Block until `work_available` or `timeout` seconds; True if work was signalled."""
        if self._work.wait(timeout):
            self._work.clear()
            return True
        return False

    def watch(self, workflow_id: str) -> threading.Event:
        """An event set when a run of `workflow_id` in this process ends or suspends."""
        event = threading.Event()
        with self._lock:
            self._watchers.setdefault(workflow_id, []).append(event)
        return event

    def unwatch(self, workflow_id: str, event: threading.Event) -> None:
        """Forget `event` (after `watch`)."""
        with self._lock:
            events = self._watchers.get(workflow_id)
            if events and event in events:
                events.remove(event)
                if not events:
                    del self._watchers[workflow_id]

    def run_ended(self, workflow_id: str) -> None:
        """Wake everyone watching `workflow_id`."""
        with self._lock:
            events = self._watchers.pop(workflow_id, None)
        for event in events or ():
            event.set()
