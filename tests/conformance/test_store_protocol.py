"""The `Store` protocol's contract, method by method, on SQLite and on PostgreSQL alike.

Every test gets a fresh store from the `store` fixture: a SQLite file in tmp_path, or a new
PostgreSQL schema that is dropped afterwards. Without a PostgreSQL server the postgres cases
fail (see tests/pg.py); they are never skipped.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

import podium
from podium import errors
from podium.store import base, factory, queries, workflows
from tests import pg

BACKENDS = ["sqlite", "postgres"]
T = 1000.0
"""A base time; stores take the clock as an argument, so tests choose every instant."""
LEASE = 10.0
R = TypeVar("R")


@contextmanager
def opened(url: str) -> Iterator[base.Store]:
    """Open the store at `url` and close it afterwards."""
    store = factory.open_store(url)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[base.Store]:
    """A fresh, empty store of each backend."""
    if request.param == "sqlite":
        with opened(f"sqlite:///{tmp_path / 'store.db'}") as fresh:
            yield fresh
    else:
        with pg.fresh_schema() as url, opened(url) as fresh:
            yield fresh


def new(workflow_id: str, **options: Any) -> base.NewWorkflow:
    """A NewWorkflow of workflow "wf" with `options`."""
    return base.NewWorkflow(id=workflow_id, workflow="wf", input="[]", **options)


def event(workflow_id: str, seq: int, status: str = "completed", payload: str = '"v"'):
    """A step event at `seq`."""
    return base.HistoryEvent(workflow_id, seq, "step", f"s{seq}", status, payload, 1, T, T + 1)


def failed_attempt(workflow_id: str, seq: int, attempt: int) -> base.Attempt:
    """A failed attempt of the step at `seq`."""
    return base.Attempt(workflow_id, seq, attempt, f"s{seq}", "ValueError", "boom", T, T, T + 5)


def running(store: base.Store, workflow_id: str, owner: str = "A", **options: Any) -> base.Claim:
    """Create `workflow_id` and claim it for `owner`; return the claim."""
    store.create_workflow(new(workflow_id, **options), T)
    claim = store.claim_one(workflow_id, owner, T, LEASE)
    assert claim is not None
    return claim


def record(store: base.Store, workflow_id: str) -> base.WorkflowRecord:
    """The stored record of `workflow_id` (which must exist)."""
    found = store.get_workflow(workflow_id)
    assert found is not None
    return found


def in_threads(count: int, target: Callable[[int], R]) -> list[R]:
    """Run `target(i)` in `count` threads released at once; return results by i."""
    barrier = threading.Barrier(count)
    results: dict[int, R] = {}
    failures: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = target(i)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return [results[i] for i in range(count)]


# -- create / get ------------------------------------------------------------------------


def test_create_stores_a_pending_workflow_once(store):
    created, is_new = store.create_workflow(
        new("w1", queue="q", priority=3, key="k", parent_id="p", ready_at=T + 1, deadline=T + 9),
        T,
    )
    assert is_new
    assert (created.status, created.queue, created.priority, created.key) == (
        "pending",
        "q",
        3,
        "k",
    )
    assert (created.parent_id, created.ready_at, created.deadline) == ("p", T + 1, T + 9)
    assert (created.created_at, created.updated_at) == (T, T)
    assert (created.lease_owner, created.lease_epoch, created.runs) == (None, 0, 0)
    assert created.input == "[]" and created.output is None

    again, is_new = store.create_workflow(base.NewWorkflow("w1", "other", '["x"]'), T + 5)
    assert not is_new
    assert again == created
    assert store.get_workflow("w1") == created
    assert store.get_workflow("missing") is None


def test_create_with_an_owner_stores_it_claimed(store):
    created, is_new = store.create_workflow(new("w", owner="A", lease_until=T + LEASE), T)
    assert is_new
    assert (created.status, created.lease_owner, created.lease_epoch, created.runs) == (
        "running",
        "A",
        1,
        1,
    )
    assert (created.ready_at, created.lease_until) == (None, T + LEASE)
    fence = base.Fence("w", "A", 1)
    store.append_history(fence, event("w", 0))
    assert store.claim("B", ["default"], 5, T + LEASE - 0.1, LEASE) == []
    [taken] = store.claim("B", ["default"], 5, T + LEASE, LEASE)
    assert taken.takeover and taken.fence.epoch == 2
    with pytest.raises(errors.LeaseLost):
        store.append_history(fence, event("w", 1))
    again, is_new = store.create_workflow(new("w", owner="C", lease_until=T + 20 + LEASE), T + 20)
    assert not is_new and again.lease_owner == "B"


def test_concurrent_creates_of_one_id_make_exactly_one(store):
    results = in_threads(8, lambda i: store.create_workflow(new("race", key=str(i)), T)[1])
    assert sorted(results, key=bool) == [False] * 7 + [True]
    assert len(store.list_workflows()) == 1


# -- claim ----------------------------------------------------------------------------------


def test_claim_takes_highest_priority_then_earliest_ready(store):
    store.create_workflow(new("low-early", priority=0, ready_at=T - 9), T)
    store.create_workflow(new("high-late", priority=5, ready_at=T - 1), T)
    store.create_workflow(new("high-early", priority=5, ready_at=T - 2), T)
    store.create_workflow(new("mid", priority=1, ready_at=T - 1), T)
    order = []
    while claims := store.claim("A", ["default"], 1, T, LEASE):
        order.append(claims[0].record.id)
    assert order == ["high-early", "high-late", "mid", "low-early"]


def test_claim_limit_takes_the_best_ones(store):
    for i in range(5):
        store.create_workflow(new(f"w{i}", priority=i), T)
    claims = store.claim("A", ["default"], 2, T, LEASE)
    assert {c.record.id for c in claims} == {"w4", "w3"}


def test_claim_respects_queues_and_ready_at(store):
    store.create_workflow(new("a-now", queue="a", ready_at=T), T)
    store.create_workflow(new("a-later", queue="a", ready_at=T + 5), T)
    store.create_workflow(new("b-now", queue="b", ready_at=T), T)
    store.create_workflow(new("c-now", queue="c", ready_at=T), T)

    assert [c.record.id for c in store.claim("A", ["a"], 10, T, LEASE)] == ["a-now"]
    assert store.claim("A", ["a"], 10, T + 4.9, LEASE) == []
    assert [c.record.id for c in store.claim("A", ["a"], 10, T + 5, LEASE)] == ["a-later"]
    assert {c.record.id for c in store.claim("A", ["b", "c"], 10, T, LEASE)} == {"b-now", "c-now"}
    assert store.claim("A", ["a", "b", "c", "default"], 10, T + 6, LEASE) == []


def test_claim_sets_the_lease_and_fence(store):
    store.create_workflow(new("w"), T)
    [claim] = store.claim("A", ["default"], 5, T, LEASE)
    assert not claim.takeover
    assert claim.fence == base.Fence("w", "A", 1)
    got = claim.record
    assert (got.status, got.lease_owner, got.lease_epoch, got.runs) == ("running", "A", 1, 1)
    assert (got.ready_at, got.lease_until, got.updated_at) == (None, T + LEASE, T)
    assert record(store, "w") == got


def test_claim_takes_over_an_expired_lease_with_a_new_epoch(store):
    store.create_workflow(new("w"), T)
    [first] = store.claim("A", ["default"], 5, T, LEASE)
    assert store.claim("B", ["default"], 5, T + LEASE - 0.1, LEASE) == []  # still leased
    [second] = store.claim("B", ["default"], 5, T + LEASE, LEASE)
    assert second.takeover
    assert second.fence == base.Fence("w", "B", first.fence.epoch + 1)
    assert (second.record.runs, second.record.lease_owner) == (2, "B")


def test_claim_after_suspend_or_release_is_not_a_takeover(store):
    claim = running(store, "w")
    store.suspend(claim.fence, T + 1, T)
    [woken] = store.claim("B", ["default"], 5, T + 1, LEASE)
    assert not woken.takeover and woken.fence.epoch == 2
    store.release(woken.fence, T + 2)
    [again] = store.claim("C", ["default"], 5, T + 2, LEASE)
    assert not again.takeover and again.fence.epoch == 3


def test_concurrent_claimers_never_share_a_workflow(store):
    for i in range(200):
        store.create_workflow(new(f"w{i:03}", priority=i % 3), T)

    def drain(i: int) -> list[str]:
        taken: list[str] = []
        while claims := store.claim(f"owner{i}", ["default"], 7, T, LEASE):
            taken += [c.record.id for c in claims]
        return taken

    taken = [wf for batch in in_threads(4, drain) for wf in batch]
    assert len(taken) == 200
    assert sorted(taken) == [f"w{i:03}" for i in range(200)]


# -- claim_one -------------------------------------------------------------------------------


def test_claim_one_claims_only_a_ready_workflow(store):
    assert store.claim_one("missing", "A", T, LEASE) is None
    store.create_workflow(new("later", ready_at=T + 5), T)
    assert store.claim_one("later", "A", T, LEASE) is None
    claim = store.claim_one("later", "A", T + 5, LEASE)
    assert claim is not None and not claim.takeover
    assert claim.fence == base.Fence("later", "A", 1)
    assert claim.record.status == "running" and claim.record.lease_until == T + 5 + LEASE


def test_claim_one_takes_over_only_after_the_lease_expires(store):
    first = running(store, "w", "A")
    assert store.claim_one("w", "B", T + LEASE - 0.1, LEASE) is None
    second = store.claim_one("w", "B", T + LEASE, LEASE)
    assert second is not None and second.takeover
    assert second.fence.epoch == first.fence.epoch + 1


def test_claim_one_does_not_claim_a_finished_workflow(store):
    claim = running(store, "w")
    store.finish(claim.fence, base.Outcome("completed", "1"), T)
    assert store.claim_one("w", "B", T + 100, LEASE) is None


# -- leases ---------------------------------------------------------------------------------


def test_renew_leases_extends_only_the_owners_running_rows(store):
    running(store, "a1", "A")
    running(store, "a2", "A")
    parked = running(store, "a3", "A")
    store.suspend(parked.fence, None, T)
    running(store, "b1", "B")

    ids = ["a1", "a2", "a3", "b1", "missing"]
    assert store.renew_leases("A", ids, T + 5, LEASE) == 2
    assert record(store, "a1").lease_until == pytest.approx(T + 5 + LEASE, abs=1)
    assert record(store, "a2").lease_until == pytest.approx(T + 5 + LEASE, abs=1)
    assert record(store, "a3").ready_at is None  # waiting until woken: untouched
    assert record(store, "b1").lease_until == T + LEASE
    taken = store.claim("C", ["default"], 10, T + LEASE, LEASE)
    assert [c.record.id for c in taken] == ["b1"]
    assert store.renew_leases("nobody", ids, T, LEASE) == 0
    assert store.renew_leases("A", [], T, LEASE) == 0


class Stalling:
    """A connector that waits `seconds` before each write, as a call waits out an outage."""

    def __init__(self, inner: base.Connector, seconds: float) -> None:
        self.inner = inner
        self.seconds = seconds
        self.dialect = inner.dialect

    def execute(self, sql: str, params: Any, *, idempotent: bool = False) -> base.Result:
        time.sleep(self.seconds)
        return self.inner.execute(sql, params, idempotent=idempotent)

    def array(self, values: Any) -> object:
        return self.inner.array(values)


def test_a_renewal_that_waited_for_the_store_does_not_write_an_expired_lease(store):
    """Issue 16 defect 3: the lease end is computed when the statement runs, not before."""
    running(store, "a1", "A")
    stalled = workflows.WorkflowStore(Stalling(store.connector, 1.5))  # type: ignore[arg-type]
    assert stalled.renew_leases("A", ["a1"], T + 5, LEASE) == 1
    lease_until = record(store, "a1").lease_until
    assert lease_until is not None and lease_until >= T + 5 + LEASE + 1.5  # LEASE from the write


def test_wake_readies_only_waiting_workflows(store):
    parked = running(store, "w1", "A")
    store.suspend(parked.fence, None, T)
    running(store, "r1", "A")
    assert store.wake("w1", T + 1) is True
    assert record(store, "w1").ready_at == T + 1
    assert store.wake("w1", T + 2) is True  # already ready: stays ready at T + 1
    assert record(store, "w1").ready_at == T + 1
    assert store.wake("missing", T) is False
    assert [c.record.id for c in store.claim("B", ["default"], 10, T + 1, LEASE)] == ["w1"]


def test_wake_during_a_run_readies_its_suspend(store):
    claim = running(store, "r1", "A")
    assert store.wake("r1", T + 1) is True  # running: marked, not readied
    assert record(store, "r1").status == "running"
    store.suspend(claim.fence, None, T + 2)
    assert record(store, "r1").ready_at == T + 2  # the wake was not lost
    again = store.claim("B", ["default"], 10, T + 2, LEASE)
    assert [c.record.id for c in again] == ["r1"]
    store.suspend(again[0].fence, None, T + 3)  # a new run starts unmarked
    assert record(store, "r1").ready_at is None


def test_a_childs_finish_wakes_its_waiting_parent_in_the_same_commit(store):
    """Issue 16 defect 2: nothing after `finish` is needed for the parent to be woken."""
    from podium.store.children import Children

    waits = store.feature(Children)
    parent = running(store, "p", "A")
    kids = [running(store, f"p/{i}", "B", parent_id="p") for i in range(2)]
    waits.set_wait("p", 0)  # wake the parent once none of its children is open
    store.suspend(parent.fence, T + 60, T)  # the fallback poll, a minute away

    store.finish(kids[0].fence, base.Outcome("completed", "1"), T + 1, parent_id="p")
    assert record(store, "p").ready_at == T + 60  # one child is still open
    store.finish(kids[1].fence, base.Outcome("completed", "2"), T + 2, parent_id="p")
    assert record(store, "p").ready_at == T + 2  # woken by the last child's end


def test_a_fenced_off_childs_finish_neither_ends_it_nor_wakes_its_parent(store):
    from podium.store.children import Children

    parent = running(store, "p", "A")
    kid = running(store, "p/0", "B", parent_id="p")
    store.feature(Children).set_wait("p", 0)
    store.suspend(parent.fence, T + 60, T)
    stale = base.Fence("p/0", "B", kid.fence.epoch - 1)
    with pytest.raises(errors.LeaseLost):
        store.finish(stale, base.Outcome("completed", "1"), T + 1, parent_id="p")
    assert (record(store, "p/0").status, record(store, "p").ready_at) == ("running", T + 60)


def test_a_childs_finish_does_not_wake_a_parent_that_does_not_wait(store):
    parent = running(store, "p", "A")
    kid = running(store, "p/0", "B", parent_id="p")
    store.suspend(parent.fence, T + 60, T)  # waiting for something else (a timer)
    store.finish(kid.fence, base.Outcome("completed", "1"), T + 1, parent_id="p")
    assert (record(store, "p/0").status, record(store, "p").ready_at) == ("completed", T + 60)


# -- history and attempts -------------------------------------------------------------------


def test_load_history_returns_every_field_in_position_order(store):
    claim = running(store, "w")
    for seq in (2, 0, 1):
        store.append_history(claim.fence, event("w", seq))
    store.append_history(
        claim.fence, base.HistoryEvent("w", 3, "sleep", "sleep", "scheduled", None, 2, None, None)
    )
    history = store.load_history("w")
    assert [e.seq for e in history] == [0, 1, 2, 3]
    assert history[1] == event("w", 1)
    assert history[3] == base.HistoryEvent("w", 3, "sleep", "sleep", "scheduled", None, 2)
    assert store.load_history("other") == []


def test_append_history_is_fenced(store):
    first = running(store, "w", "A")
    second = store.claim_one("w", "B", T + LEASE, LEASE)
    assert second is not None
    with pytest.raises(errors.LeaseLost):
        store.append_history(first.fence, event("w", 0, payload='"stale"'))
    with pytest.raises(errors.LeaseLost):
        store.append_history(base.Fence("w", "C", second.fence.epoch), event("w", 0))
    assert store.load_history("w") == []
    store.append_history(second.fence, event("w", 0))
    store.finish(second.fence, base.Outcome("completed", "1"), T + LEASE)
    with pytest.raises(errors.LeaseLost):
        store.append_history(second.fence, event("w", 1))  # no longer running
    assert [e.seq for e in store.load_history("w")] == [0]


def test_a_position_is_never_overwritten(store):
    claim = running(store, "w")
    store.append_history(claim.fence, event("w", 0, payload='"first"'))
    with pytest.raises(errors.LeaseLost):
        store.append_history(claim.fence, event("w", 0, payload='"second"'))
    assert [e.payload for e in store.load_history("w")] == ['"first"']


def test_record_attempt_is_fenced_and_loaded_in_order(store):
    claim = running(store, "w")
    for seq, n in ((1, 1), (0, 2), (0, 1)):
        store.record_attempt(claim.fence, failed_attempt("w", seq, n))
    with pytest.raises(errors.LeaseLost):
        store.record_attempt(claim.fence, failed_attempt("w", 0, 1))  # exists already
    taken = store.claim_one("w", "B", T + LEASE, LEASE)
    assert taken is not None
    with pytest.raises(errors.LeaseLost):
        store.record_attempt(claim.fence, failed_attempt("w", 0, 3))
    attempts = store.load_attempts("w")
    assert [(a.seq, a.attempt) for a in attempts] == [(0, 1), (0, 2), (1, 1)]
    assert attempts[0] == failed_attempt("w", 0, 1)
    assert store.load_attempts("other") == []


# -- ends of a run ----------------------------------------------------------------------------


def test_suspend_parks_the_workflow_until_wake_at(store):
    claim = running(store, "w")
    store.suspend(claim.fence, T + 30, T + 1)
    got = record(store, "w")
    assert (got.status, got.ready_at, got.lease_owner, got.updated_at) == (
        "waiting",
        T + 30,
        None,
        T + 1,
    )
    assert store.claim("B", ["default"], 5, T + 29, LEASE) == []
    assert [c.record.id for c in store.claim("B", ["default"], 5, T + 30, LEASE)] == ["w"]


def test_suspend_without_wake_at_waits_to_be_woken(store):
    claim = running(store, "w")
    store.suspend(claim.fence, None, T)
    assert record(store, "w").ready_at is None
    assert store.claim("B", ["default"], 5, T + 10**6, LEASE) == []


def test_release_makes_the_workflow_ready_now(store):
    claim = running(store, "w")
    store.release(claim.fence, T + 2)
    got = record(store, "w")
    assert (got.status, got.ready_at, got.lease_owner) == ("pending", T + 2, None)
    assert [c.record.id for c in store.claim("B", ["default"], 5, T + 2, LEASE)] == ["w"]


def test_finish_stores_the_outcome_and_ends_the_lease(store):
    claim = running(store, "w")
    outcome = base.Outcome("failed", None, "ValueError", "boom", "Traceback ...")
    store.finish(claim.fence, outcome, T + 3)
    got = record(store, "w")
    assert (got.status, got.output, got.ready_at, got.lease_owner) == ("failed", None, None, None)
    assert (got.error_type, got.error_message, got.error_traceback) == (
        "ValueError",
        "boom",
        "Traceback ...",
    )
    assert got.updated_at == T + 3
    with pytest.raises(errors.LeaseLost):
        store.finish(claim.fence, base.Outcome("completed", "1"), T + 4)
    assert record(store, "w") == got


@pytest.mark.parametrize("write", ["suspend", "release", "finish"])
def test_ends_of_a_run_are_fenced(store, write):
    first = running(store, "w", "A")
    second = store.claim_one("w", "B", T + LEASE, LEASE)
    assert second is not None
    before = record(store, "w")
    calls = {
        "suspend": lambda fence: store.suspend(fence, T + 99, T + LEASE),
        "release": lambda fence: store.release(fence, T + LEASE),
        "finish": lambda fence: store.finish(fence, base.Outcome("completed", "1"), T + LEASE),
    }
    with pytest.raises(errors.LeaseLost):
        calls[write](first.fence)
    assert record(store, "w") == before
    calls[write](second.fence)
    assert record(store, "w").lease_owner is None


# -- cancel and resume ------------------------------------------------------------------------


def test_cancel_ends_an_active_workflow_and_fences_its_owner(store):
    store.create_workflow(new("pending"), T)
    claim = running(store, "running")
    cancelled = store.cancel("pending", T + 1)
    assert cancelled is not None and cancelled.status == "cancelled"
    assert (cancelled.error_type, cancelled.ready_at, cancelled.updated_at) == (
        "WorkflowCancelled",
        None,
        T + 1,
    )

    stopped = store.cancel("running", T + 1)
    assert stopped is not None and stopped.status == "cancelled"
    assert stopped.lease_owner is None and stopped.lease_epoch == claim.fence.epoch + 1
    with pytest.raises(errors.LeaseLost):
        store.append_history(claim.fence, event("running", 0))
    with pytest.raises(errors.LeaseLost):
        store.finish(claim.fence, base.Outcome("completed", "1"), T + 2)
    assert store.claim("B", ["default"], 5, T + 10**6, LEASE) == []


def test_cancel_leaves_finished_workflows_alone(store):
    claim = running(store, "done")
    store.finish(claim.fence, base.Outcome("completed", "1"), T)
    before = record(store, "done")
    assert store.cancel("done", T + 1) == before
    assert store.cancel("missing", T) is None


def test_resume_drops_the_failed_tail_and_open_attempts(store):
    claim = running(store, "w")
    fence = claim.fence
    store.append_history(fence, event("w", 0))
    store.append_history(fence, event("w", 1, "failed", '{"type": "caught"}'))
    store.append_history(fence, event("w", 2))
    store.record_attempt(fence, failed_attempt("w", 2, 1))
    store.record_attempt(fence, failed_attempt("w", 3, 1))
    store.record_attempt(fence, failed_attempt("w", 3, 2))
    store.append_history(fence, event("w", 3, "failed", '{"type": "final"}'))
    store.finish(fence, base.Outcome("failed", None, "ValueError", "boom", "tb"), T + 1)

    resumed = store.resume("w", T + 2)
    assert resumed is not None and resumed == record(store, "w")
    assert (resumed.status, resumed.ready_at, resumed.updated_at) == ("pending", T + 2, T + 2)
    assert (resumed.error_type, resumed.error_message, resumed.error_traceback) == (None,) * 3
    assert resumed.lease_epoch == fence.epoch + 1
    assert [(e.seq, e.status) for e in store.load_history("w")] == [
        (0, "completed"),
        (1, "failed"),
        (2, "completed"),
    ]
    assert [(a.seq, a.attempt) for a in store.load_attempts("w")] == [(2, 1)]
    [again] = store.claim("B", ["default"], 5, T + 2, LEASE)
    assert again.record.id == "w" and not again.takeover


def test_resume_makes_a_cancelled_workflow_pending(store):
    store.create_workflow(new("w"), T)
    store.cancel("w", T)
    resumed = store.resume("w", T + 1)
    assert resumed is not None and resumed.status == "pending"


def test_resume_leaves_other_workflows_alone(store):
    store.create_workflow(new("pending"), T)
    claim = running(store, "done")
    store.append_history(claim.fence, event("done", 0, "failed"))
    store.finish(claim.fence, base.Outcome("completed", "1"), T)
    for workflow_id in ("pending", "done"):
        before = record(store, workflow_id)
        assert store.resume(workflow_id, T + 5) == before
    assert len(store.load_history("done")) == 1
    assert store.resume("missing", T) is None


# -- listing -----------------------------------------------------------------------------------


def test_list_workflows_filters_orders_and_pages(store):
    for i in range(6):
        workflow = "even" if i % 2 == 0 else "odd"
        store.create_workflow(
            base.NewWorkflow(f"w{i}", workflow, "[]", queue="q" if i < 3 else "r"), T + i
        )
    store.create_workflow(new("tie-b"), T + 9)
    store.create_workflow(new("tie-a"), T + 9)
    store.cancel("w1", T + 20)

    def ids(**filters: Any) -> list[str]:
        return [r.id for r in store.list_workflows(**filters)]

    assert ids() == ["tie-b", "tie-a", "w5", "w4", "w3", "w2", "w1", "w0"]
    assert ids(workflow="even") == ["w4", "w2", "w0"]
    assert ids(queue="q") == ["w2", "w1", "w0"]
    assert ids(status="cancelled") == ["w1"]
    assert ids(status="pending", workflow="odd", queue="r") == ["w5", "w3"]
    assert ids(limit=3) == ["tie-b", "tie-a", "w5"]
    assert ids(limit=3, offset=3) == ["w4", "w3", "w2"]
    assert ids(offset=7) == ["w0"]
    assert ids(status="completed") == []


def test_list_workflows_top_level_leaves_out_children_before_paging(store):
    store.create_workflow(new("parent"), T)
    for i in range(3):
        store.create_workflow(new(f"parent/{i}", parent_id="parent"), T + 1 + i)
    store.create_workflow(new("other", queue="q"), T - 1)

    def ids(**filters: Any) -> list[str]:
        return [r.id for r in store.list_workflows(**filters)]

    assert ids(limit=2) == ["parent/2", "parent/1"]  # children by default, as before
    assert ids(limit=2, top_level=True) == ["parent", "other"]
    assert ids(limit=1, offset=1, top_level=True) == ["other"]
    assert ids(queue="default", top_level=True) == ["parent"]


# -- PostgreSQL specifics: schema, URL, driver, connection faults ----------------------------


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """The name of a fresh PostgreSQL schema, dropped afterwards."""
    name = pg.new_schema_name()
    try:
        yield name
    finally:
        pg.drop_schema(name)


def schema_versions(schema: str) -> list[int]:
    """The versions recorded in `schema`.podium_schema."""
    with pg.connect() as conn:
        rows = conn.execute(f"SELECT version FROM {schema}.podium_schema ORDER BY 1").fetchall()
    return [int(str(row[0])) for row in rows]


def test_postgres_schema_is_created_and_migrated_once(pg_schema):
    url = pg.with_query(pg.postgres_url(), schema=pg_schema)
    in_threads(4, lambda i: factory.open_store(url).close())  # workers starting at once
    with opened(url) as store:
        assert getattr(store, "schema", None) == pg_schema
    shipped = [version for version, _, _ in queries.migrations("postgres")]  # may have gaps
    assert schema_versions(pg_schema) == shipped


def test_postgres_newer_schema_is_a_clear_error(pg_schema):
    url = pg.with_query(pg.postgres_url(), schema=pg_schema)
    with opened(url):
        pass
    with pg.connect() as conn:
        conn.execute(f"INSERT INTO {pg_schema}.podium_schema VALUES (999, 'future', 0)")
    with pytest.raises(errors.SchemaVersionError, match="newer than"):
        factory.open_store(url)


def test_postgres_honours_search_path_from_options(pg_schema):
    with pg.connect() as conn:
        conn.execute(f"CREATE SCHEMA {pg_schema}")
    url = pg.with_query(pg.postgres_url(), options=f"-csearch_path={pg_schema}", pool_max="2")
    with opened(url) as store:
        store.create_workflow(new("w"), T)
    with pg.connect() as conn:
        count = conn.execute(f"SELECT count(*) FROM {pg_schema}.podium_workflows").fetchone()
    assert count == (1,)


def test_postgres_search_path_without_a_schema_is_a_clear_error(pg_schema):
    url = pg.with_query(pg.postgres_url(), options=f"-csearch_path={pg_schema}")
    with pytest.raises(podium.ConfigurationError, match="names no existing schema"):
        factory.open_store(url)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"pool_max": "0"}, "pool_max"),
        ({"pool_max": "many"}, "pool_max"),
        ({"schema": "Bad-Name"}, "schema name"),
        ({"schema": "pg_mine"}, "schema name"),
    ],
)
def test_postgres_bad_options_are_configuration_errors(query, message):
    with pytest.raises(podium.ConfigurationError, match=message):
        factory.open_store(pg.with_query(pg.postgres_url(), **query))


def test_postgres_unreachable_server_is_a_configuration_error():
    with pytest.raises(podium.ConfigurationError, match="cannot connect to PostgreSQL"):
        factory.open_store("postgres://nobody:secret@127.0.0.1:1/none?connect_timeout=2")


def test_postgres_without_the_driver_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "podium.store.postgres", raising=False)
    monkeypatch.delattr(podium.store, "postgres", raising=False)
    with pytest.raises(podium.ConfigurationError, match=r"pip install 'podium\[postgres\]'"):
        factory.open_store("postgresql://nobody@127.0.0.1:1/none")


def kill_connections(application_name: str) -> int:
    """Terminate the server side of every connection named `application_name`."""
    with pg.connect() as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (application_name,),
        ).fetchall()
    return len(rows)


def test_postgres_reads_survive_a_dropped_connection_and_writes_report_it(pg_schema):
    import psycopg

    name = f"podium_{pg_schema}"
    url = pg.with_query(pg.postgres_url(), schema=pg_schema, application_name=name)
    with opened(url) as store:
        claim = running(store, "w")
        assert kill_connections(name) >= 1
        assert record(store, "w").status == "running"  # retried on a fresh connection
        assert kill_connections(name) >= 1
        with pytest.raises(psycopg.OperationalError):
            store.append_history(claim.fence, event("w", 0))
        store.append_history(claim.fence, event("w", 0))  # the pool has healed
        assert [e.seq for e in store.load_history("w")] == [0]


def test_a_stale_write_never_lands_after_a_takeover(store):
    """Whatever the old owner appended before the takeover, the new owner's first read sees."""

    def trial(workflow_id: str) -> set[int]:
        old = running(store, workflow_id, "A")
        landed: list[int] = []

        def append_until_fenced() -> None:
            with contextlib.suppress(errors.LeaseLost):
                for seq in itertools.count():
                    store.append_history(old.fence, event(workflow_id, seq))
                    landed.append(seq)

        appender = threading.Thread(target=append_until_fenced)
        appender.start()
        while store.claim_one(workflow_id, "B", T + LEASE, LEASE) is None:
            pass  # the row may be locked for an instant by an append in flight
        seen = {e.seq for e in store.load_history(workflow_id)}
        appender.join()
        return set(landed) - seen

    assert [trial(f"w{i}") for i in range(40)] == [set()] * 40


# -- connector (feature stores' SQL) ---------------------------------------------------------


def sql_for(store: base.Store, text: str) -> str:
    """`text` with :name parameters written in the store dialect's placeholder style."""
    if store.connector.dialect == "postgres":
        return re.sub(r":(\w+)", r"%(\1)s", text)
    return text


def test_connector_runs_reads_and_writes(store):
    store.create_workflow(new("a", priority=1), T)
    store.create_workflow(new("b", priority=1), T)
    connector = store.connector
    assert connector.dialect in ("sqlite", "postgres")
    changed = connector.execute(
        sql_for(store, "UPDATE podium_workflows SET priority = :p WHERE priority = 1"), {"p": 7}
    )
    assert changed.rowcount == 2 and changed.rows == []
    returned = connector.execute(
        sql_for(store, "UPDATE podium_workflows SET priority = 8 WHERE id = :id RETURNING id"),
        {"id": "a"},
    )
    assert returned.rows == [{"id": "a"}] and returned.rowcount == 1
    rows = connector.query(
        sql_for(store, "SELECT id, priority FROM podium_workflows WHERE id >= :x ORDER BY id"),
        {"x": "a"},
    )
    assert rows == [{"id": "a", "priority": 8}, {"id": "b", "priority": 7}]


def test_connector_transaction_commits_all_or_nothing(store):
    store.create_workflow(new("a"), T)
    update = sql_for(store, "UPDATE podium_workflows SET priority = :p WHERE id = :id")
    with store.connector.transaction() as run:
        assert run(update, {"p": 1, "id": "a"}).rowcount == 1
        assert run(update, {"p": 2, "id": "missing"}).rowcount == 0
    assert record(store, "a").priority == 1

    with pytest.raises(RuntimeError), store.connector.transaction() as run:
        run(update, {"p": 5, "id": "a"})
        raise RuntimeError("abort")
    assert record(store, "a").priority == 1
