"""What the engine needs from an App: store, settings, clock, registry, hooks, shared threads."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Protocol

from podium import clock as clock_mod
from podium import config, errors, registry
from podium.engine import hooks as hooks_mod
from podium.engine import leases, loop, notify
from podium.patterns import retry
from podium.store import base
from podium.types import TERMINAL_STATUSES


class Runtime:
    """The engine-facing half of an App, shared by its workers, runs and handles.

    What sits above the engine (observability, the server) and needs it takes an object with
    a `runtime` (see `HasRuntime`), not the App, so it does not depend on the App's layer.
    """

    def __init__(
        self,
        name: str,
        store: base.Store,
        settings: config.Settings,
        registry: registry.Registry,
        clock: clock_mod.Clock,
        default_retry: retry.RetryPolicy | None,
        hooks: hooks_mod.Hooks | None = None,
    ) -> None:
        self.name = name
        self.store = store
        self.settings = settings
        self.registry = registry
        self.clock = clock
        self.default_retry = default_retry
        self.notifier = notify.Notifier()
        self.leases = leases.LeaseKeeper(store, settings.lease_seconds, clock.time)
        self.log = logging.getLogger("podium")
        self.hooks = hooks or hooks_mod.Hooks()
        """What the patterns and observability plugged into the engine (see engine/hooks)."""
        self._loop: loop.LoopThread | None = None
        self._lock = threading.Lock()
        self._unsubscribe: Callable[[], None] | None = None
        self._names: list[str] = []

    def workflow_names(self) -> list[str]:
        """The names of every workflow this app can run: what its workers and runs claim.

        Read from the registry (which holds the app's own internal workflows too: fan-out
        runners, ASL machines, state machines); cached until the registry grows.
        """
        known = self.registry.workflows
        if len(known) != len(self._names):
            with self._lock:
                self._names = sorted(list(known))
        return self._names

    def new_owner(self, role: str) -> str:
        """A unique lease-owner id naming this host and process."""
        return f"{socket.gethostname()}:{os.getpid()}:{role}:{uuid.uuid4().hex[:8]}"

    def listen(self) -> None:
        """Hear other processes' changes through the store's push notifications, if any."""
        with self._lock:
            if self._unsubscribe is None:
                self._unsubscribe = self.store.subscribe(self.notifier)

    def loop(self) -> loop.LoopThread:
        """The shared event loop for async workflows and steps, started on first use."""
        with self._lock:
            if self._loop is None:
                self._loop = loop.LoopThread(f"podium-loop-{self.name}")
            return self._loop

    def wait_for_end(self, workflow_id: str, timeout: float | None) -> base.WorkflowRecord:
        """Block until the workflow is completed, failed or cancelled; return its record.

        Local runs wake the wait at once; runs in other processes are seen by polling that
        backs off from 2 ms to the poll interval. `timeout` counts real seconds, whatever
        the app's clock (a fake one may never move).
        """
        self.listen()
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.002
        event = self.notifier.watch(workflow_id)
        try:
            while True:
                record = self.store.get_workflow(workflow_id)
                if record is None:
                    raise errors.WorkflowNotFound(workflow_id)
                if record.status in TERMINAL_STATUSES:
                    return record
                wait = delay
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError(
                            f"workflow {workflow_id!r} is still {record.status} after "
                            f"{timeout}s; wait longer or check that a worker is running"
                        )
                    wait = min(wait, left)
                if event.wait(wait):
                    event = self.notifier.watch(workflow_id)
                delay = min(delay * 2, self.settings.poll_interval)
        finally:
            self.notifier.unwatch(workflow_id, event)

    def close(self) -> None:
        """Stop shared threads."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.leases.close()
        if self._loop is not None:
            self._loop.stop()
            self._loop = None


class HasRuntime(Protocol):
    """Anything that serves a Runtime: an App."""

    @property
    def runtime(self) -> Runtime:
        """The engine side (opening the store on first use)."""
        ...
