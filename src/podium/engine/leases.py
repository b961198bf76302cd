"""Lease renewal: one heartbeat thread keeps alive the leases of the runs in flight here."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from podium.store import base

log = logging.getLogger("podium.leases")


class LeaseKeeper:
    """Renews, each third of the lease length, the lease of every run this process holds.

    A worker that stops heartbeating (killed, paused, partitioned) loses its workflows to
    another worker once `lease_seconds` pass; the epoch bump on takeover fences its writes.
    Only runs in flight are renewed: a run that ended without releasing its workflow (its
    store writes failed) lets the lease lapse, so the workflow is not stuck with a live worker.
    """

    def __init__(self, store: base.Store, lease_seconds: float, now: Callable[[], float]) -> None:
        self._store = store
        self._lease = lease_seconds
        self._now = now
        self._held: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def holding(self, fence: base.Fence) -> Iterator[None]:
        """Renew the lease of `fence`'s workflow while the block runs."""
        with self._lock:
            self._held.setdefault(fence.owner, set()).add(fence.workflow_id)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="podium-leases", daemon=True
                )
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                ids = self._held.get(fence.owner)
                if ids is not None:
                    ids.discard(fence.workflow_id)
                    if not ids:
                        del self._held[fence.owner]

    def renew(self) -> None:
        """Renew every held lease once (the heartbeat)."""
        with self._lock:
            held = {owner: sorted(ids) for owner, ids in self._held.items()}
        for owner, ids in held.items():
            try:
                self._store.renew_leases(owner, ids, self._now(), self._lease)
            except Exception:
                log.exception("lease renewal for %s failed; will retry", owner)

    def _loop(self) -> None:
        while not self._stop.wait(self._lease / 3):
            self.renew()

    def close(self) -> None:
        """Stop the heartbeat thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
