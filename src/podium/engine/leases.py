"""Lease renewal: one heartbeat thread keeps the leases of this process's owners alive."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from podium.store import base

log = logging.getLogger("podium.leases")


class LeaseKeeper:
    """Renews every registered owner's leases each third of the lease length.

    A worker that stops heartbeating (killed, paused, partitioned) loses its workflows to
    another worker once `lease_seconds` pass; the epoch bump on takeover fences its writes.
    """

    def __init__(self, store: base.Store, lease_seconds: float, now: Callable[[], float]) -> None:
        self._store = store
        self._lease = lease_seconds
        self._now = now
        self._owners: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, owner: str) -> None:
        """Start renewing `owner`'s leases."""
        with self._lock:
            self._owners.add(owner)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="podium-leases", daemon=True
                )
                self._thread.start()

    def remove(self, owner: str) -> None:
        """Stop renewing `owner`'s leases."""
        with self._lock:
            self._owners.discard(owner)

    def renew(self) -> None:
        """Renew all registered owners once (the heartbeat)."""
        with self._lock:
            owners = list(self._owners)
        for owner in owners:
            try:
                self._store.renew_leases(owner, self._now(), self._lease)
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
