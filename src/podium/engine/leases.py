"""Lease renewal: one heartbeat thread keeps alive the leases of the runs in flight here."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType

from podium.store import base

log = logging.getLogger("podium.leases")

RETRY_SECONDS = 0.25
"""After a failed renewal (the store is down), how soon the keeper tries again."""


class LeaseKeeper:
    """Renews, each third of the lease length, the lease of every run this process holds.

    A worker that stops heartbeating (killed, paused, partitioned) loses its workflows to
    another worker once `lease_seconds` pass; the epoch bump on takeover fences its writes.
    Only runs in flight are renewed: a run that ended without releasing its workflow (its
    store writes failed) lets the lease lapse, so the workflow is not stuck with a live worker.

    It tracks runs, not workflow ids: after a stall longer than the lease, a worker may take
    its own workflow back while the stale run (fenced off) is still winding down; that run's
    end must not stop the renewal of the live one. A renewal that failed is retried every
    `RETRY_SECONDS`, so leases are renewed as soon as the store is back after an outage.
    """

    def __init__(self, store: base.Store, lease_seconds: float, now: Callable[[], float]) -> None:
        self._store = store
        self._lease = lease_seconds
        self._now = now
        self._held: dict[object, base.Fence] = {}
        """Each run in flight (a token of its own) and its fence."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def holding(self, fence: base.Fence) -> AbstractContextManager[None]:
        """Renew the lease of `fence`'s workflow while the block (one run) runs."""
        return _Holding(self, fence)

    def _hold(self, run: object, fence: base.Fence) -> None:
        """Renew `fence`'s lease from now on, for `run` (a token of its own)."""
        with self._lock:
            self._held[run] = fence
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="podium-leases", daemon=True
                )
                self._thread.start()

    def _drop(self, run: object) -> None:
        """`run` has ended: stop renewing its lease."""
        with self._lock:
            del self._held[run]

    def renew(self) -> bool:
        """Renew every held lease once (the heartbeat); False if a renewal failed."""
        with self._lock:
            held: dict[str, set[str]] = {}
            for fence in self._held.values():
                held.setdefault(fence.owner, set()).add(fence.workflow_id)
        renewed = True
        for owner, ids in sorted(held.items()):
            try:
                self._store.renew_leases(owner, sorted(ids), self._now(), self._lease)
            except Exception:
                log.exception("lease renewal for %s failed; will retry", owner)
                renewed = False
        return renewed

    def _loop(self) -> None:
        beat = self._lease / 3
        wait = beat
        while not self._stop.wait(wait):
            started = time.monotonic()
            renewed = self.renew()
            took = time.monotonic() - started
            if not renewed:
                wait = min(RETRY_SECONDS, beat)  # the store is down: renew as soon as it is back
            elif took > beat:
                wait = 0.0  # a slow call (an outage): renew again at once, now that it answers
            else:
                wait = beat

    def close(self) -> None:
        """Stop the heartbeat thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Holding:
    """The block of `LeaseKeeper.holding`: its lease renewed while one run runs.

    A class rather than a generator-based `contextmanager`: every run enters one, and the
    generator's machinery costs several times more than these two calls.
    """

    __slots__ = ("_fence", "_keeper")

    def __init__(self, keeper: LeaseKeeper, fence: base.Fence) -> None:
        self._keeper = keeper
        self._fence = fence

    def __enter__(self) -> None:
        self._keeper._hold(self, self._fence)  # this block is the run's token

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._keeper._drop(self)
