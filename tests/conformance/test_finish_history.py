"""`Store.finish` with held history rows: the run's last checkpoint and its end, one commit.

The engine holds a step's result back to the run's next durable point; when that point is
the run's end, `finish(..., history=[row])` writes the row and the outcome in one transaction.
Pinned here on both stores: both land or neither does, under the same fence, and a position
that exists already is never overwritten. (The one-row case is one statement on PostgreSQL;
several rows take the transaction every store has.)
"""

from __future__ import annotations

import pytest

from podium import errors
from podium.store import base

from .test_store_protocol import LEASE, T, event, record, running, store

__all__ = ["store"]  # the fixture, re-used from the protocol suite

DONE = base.Outcome("completed", '"done"')


@pytest.mark.parametrize("rows", [1, 3])
def test_finish_with_held_rows_writes_rows_and_end_together(store, rows):
    claim = running(store, "w")
    store.append_history(claim.fence, event("w", 0))
    held = [event("w", seq, payload=f'"r{seq}"') for seq in range(1, rows + 1)]
    assert store.finish(claim.fence, DONE, T + 2, history=held) is False
    assert store.load_history("w") == [event("w", 0), *held]
    got = record(store, "w")
    assert (got.status, got.output, got.lease_owner, got.updated_at) == (
        "completed",
        '"done"',
        None,
        T + 2,
    )


def test_a_failed_end_keeps_the_failed_steps_row(store):
    claim = running(store, "w")
    failed = event("w", 0, status="failed", payload='{"type": "ValueError"}')
    outcome = base.Outcome("failed", None, "ValueError", "boom", "Traceback ...")
    store.finish(claim.fence, outcome, T + 1, history=[failed])
    assert store.load_history("w") == [failed]
    assert (record(store, "w").status, record(store, "w").error_type) == ("failed", "ValueError")


@pytest.mark.parametrize("rows", [1, 2])
def test_a_fenced_out_finish_writes_neither_rows_nor_end(store, rows):
    first = running(store, "w", "A")
    second = store.claim_one("w", "B", T + LEASE, LEASE)
    assert second is not None
    before = record(store, "w")
    held = [event("w", seq, payload='"stale"') for seq in range(rows)]
    with pytest.raises(errors.LeaseLost):
        store.finish(first.fence, DONE, T + LEASE, history=held)
    assert (store.load_history("w"), record(store, "w")) == ([], before)
    store.finish(second.fence, DONE, T + LEASE + 1, history=[event("w", 0)])
    assert [e.payload for e in store.load_history("w")] == ['"v"']


@pytest.mark.parametrize("rows", [1, 2])
def test_a_held_row_never_overwrites_a_position_and_nothing_ends(store, rows):
    claim = running(store, "w")
    store.append_history(claim.fence, event("w", 0, payload='"first"'))
    before = record(store, "w")
    held = [event("w", seq, payload='"second"') for seq in range(rows)][::-1]
    with pytest.raises(errors.LeaseLost):
        store.finish(claim.fence, DONE, T + 1, history=held)
    assert [e.payload for e in store.load_history("w")] == ['"first"']
    assert record(store, "w") == before  # still running under its lease


def test_a_finish_that_landed_is_not_written_again(store):
    """The engine retries an end after a transient fault; a retry of one that landed is fenced."""
    claim = running(store, "w")
    store.finish(claim.fence, DONE, T + 1, history=[event("w", 0)])
    with pytest.raises(errors.LeaseLost):
        store.finish(claim.fence, DONE, T + 2, history=[event("w", 0, payload='"again"')])
    assert [e.payload for e in store.load_history("w")] == ['"v"']
    assert record(store, "w").updated_at == T + 1


@pytest.mark.parametrize("rows", [1, 2])
def test_a_childs_finish_with_held_rows_ends_it_and_wakes_its_parent(store, rows):
    from podium.store.children import Children

    parent = running(store, "p", "A")
    kid = running(store, "p/0", "B", parent_id="p")
    store.feature(Children).set_wait("p", 0)
    store.suspend(parent.fence, T + 60, T)
    held = [event("p/0", seq) for seq in range(rows)]
    assert store.finish(kid.fence, DONE, T + 1, parent_id="p", history=held) is True
    assert store.load_history("p/0") == held
    assert (record(store, "p/0").status, record(store, "p").ready_at) == ("completed", T + 1)


@pytest.mark.parametrize("rows", [1, 2])
def test_a_fenced_out_childs_finish_writes_neither_nor_wakes_its_parent(store, rows):
    from podium.store.children import Children

    parent = running(store, "p", "A")
    kid = running(store, "p/0", "B", parent_id="p")
    store.feature(Children).set_wait("p", 0)
    store.suspend(parent.fence, T + 60, T)
    stale = base.Fence("p/0", "B", kid.fence.epoch - 1)
    held = [event("p/0", seq) for seq in range(rows)]
    with pytest.raises(errors.LeaseLost):
        store.finish(stale, DONE, T + 1, parent_id="p", history=held)
    assert store.load_history("p/0") == []
    assert (record(store, "p/0").status, record(store, "p").ready_at) == ("running", T + 60)
