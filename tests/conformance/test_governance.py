"""Governance on both stores: the last-admin guard under a race, purge, rekey, audit verify."""

from __future__ import annotations

import threading
import time

import podium
from podium.store import auth


def _race(store: auth.AuthStore, first: str, second: str) -> list[str]:
    """Revoke two tokens at the same moment from two threads; each outcome."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def revoke(token_id: str) -> None:
        barrier.wait()
        try:
            store.revoke(token_id, time.time())
            outcomes.append("revoked")
        except podium.ConfigurationError:
            outcomes.append("refused")

    threads = [threading.Thread(target=revoke, args=(t,)) for t in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_two_concurrent_revokes_never_leave_no_admin(app):
    store = auth.AuthStore(app.store)
    for _round in range(10):
        a = store.create_token("a", ["admin"], time.time())[0]
        b = store.create_token("b", ["admin"], time.time())[0]
        for t in store.list_tokens():
            if t.revoked_at is None and t.id not in (a.id, b.id):
                store.revoke(t.id, time.time())
        assert _race(store, a.id, b.id) == ["refused", "revoked"]
        active = [t for t in store.list_tokens() if t.active(time.time()) and "admin" in t.scopes]
        assert len(active) == 1
