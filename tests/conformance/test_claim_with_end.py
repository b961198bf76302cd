"""A child's end may carry its worker's next claim (`Store.finish(then_claim=...)`), on each store.

What the contract promises whatever the dialect: the claim is made with the end, an empty
one is an empty list (not left to the worker), a fenced-out end still hands over what it
claimed, and a queue the plain claim does not serve (limited, paused) is left to the worker.
Where in the transaction each dialect runs the claim is pinned by
tests/unit/store/test_sqlite_claim_with_end.py and test_postgres_claim_with_end.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from podium import errors
from podium.store import base, children, factory, queues
from tests.unit.test_fanout import T, child, running

OWNER = "worker-1"


@pytest.fixture
def store(store_url: str) -> Iterator[base.Store]:
    opened = factory.open_store(store_url)
    yield opened
    opened.close()


def fan_out(store: base.Store, count: int) -> list[base.Fence]:
    """Parent "p" with `count` children; the first two claimed by OWNER: their fences."""
    children.Children(store.connector).create(
        running(store, "p"), [child("p", i) for i in range(count)], T
    )
    fences = []
    for i in range(2):
        claim = store.claim_one(f"p/{i}", OWNER, T, 30.0)
        assert claim is not None
        fences.append(claim.fence)
    return fences


def request() -> base.ClaimNext:
    return base.ClaimNext(OWNER, ["default"], 30.0, None)


def done(store: base.Store, fence: base.Fence, then: base.ClaimNext) -> bool:
    outcome = base.Outcome("completed", "1")
    return store.finish(fence, outcome, T + 1, parent_id="p", then_claim=then)


def test_a_childs_end_claims_the_workers_next_workflow(store):
    first, _ = fan_out(store, 4)
    then = request()
    done(store, first, then)
    assert then.claims is not None and len(then.claims) == 1
    claim = then.claims[0]
    assert claim.record.id in {"p/2", "p/3"}
    assert (claim.record.status, claim.fence.owner) == ("running", OWNER)
    assert store.get_workflow("p/0").status == "completed"


def test_with_nothing_ready_the_claim_is_empty_not_left_to_the_worker(store):
    first, _ = fan_out(store, 2)
    then = request()
    done(store, first, then)
    assert then.claims == []


def test_a_fenced_out_end_still_hands_over_what_it_claimed(store):
    first, _ = fan_out(store, 3)
    stale = base.Fence(first.workflow_id, first.owner, first.epoch + 1)
    then = request()
    with pytest.raises(errors.LeaseLost):
        done(store, stale, then)
    assert then.claims is not None and [c.record.id for c in then.claims] == ["p/2"]
    assert store.get_workflow("p/0").status == "running"


def test_a_limited_queue_is_claimed_by_the_worker_not_with_the_end(store):
    first, _ = fan_out(store, 3)
    queues.set_paused(store.connector, "other", True, T)  # paused: not the plain claim's
    then = base.ClaimNext(OWNER, ["default", "other"], 30.0, None)
    done(store, first, then)
    assert then.claims is None
