"""On SQLite a run's end may carry its worker's next claim (`Store.finish(then_claim=...)`).

A child's end always may; a top-level workflow's end when it commits held rows (its last
step's result) as one unit, the claim standing whether the unit is kept or not.

The claim is a statement of the end's group-commit write; the claims that the writes of one
batch carry run as one statement (`Write.merge`), each write getting its own rows, and the
parent's wake-up runs once per batch (`Write.tail`). Batches are built here directly, so the
shared paths are taken for certain. What every store promises of such a claim is in
tests/conformance/test_claim_with_end.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from podium import errors
from podium.store import base, children, groupcommit, queries, sqlite, workflows
from tests.conformance.test_claim_with_end import OWNER, fan_out, request
from tests.unit.store.test_sqlite_units import positional
from tests.unit.test_fanout import T, running


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sqlite.SQLiteStore]:
    opened = sqlite.SQLiteStore(str(tmp_path / "claims.db"))
    yield opened
    opened.close()


def end_write(store: sqlite.SQLiteStore, fence: base.Fence) -> groupcommit.Write:
    """The write a child's end with a claim joins the group commit as (see `_finish_child`)."""
    made = store._claim_with_end(request(), T + 1)
    assert made is not None
    (claim_sql, claim_params), alike = made
    q = queries.load("sqlite", "workflows")
    finish = workflows.fenced({**base.shallow(base.Outcome("completed", "1")), "now": T + 1}, fence)
    more = [
        positional(q["finish"], finish),
        positional(q["wake_if_due"], {"parent_id": "p", "now": T + 1}),
    ]
    return groupcommit.Write(claim_sql, claim_params, "p", more, tail=1, merge=alike)


def test_the_claims_and_wake_ups_of_a_batch_run_once_each_write_getting_its_own(store):
    fences = fan_out(store, 5)
    children.Children(store.connector).set_wait("p", 0)
    seen: list[str] = []
    store._conn.set_trace_callback(seen.append)
    batch = [end_write(store, fence) for fence in fences]
    store._commit_batch(batch)
    store._conn.set_trace_callback(None)
    claimed = [[row["id"] for row in write.rows] for write in batch]
    assert sorted(ids for one in claimed for ids in one) == ["p/2", "p/3"]
    assert all(len(one) == 1 for one in claimed)
    assert [write.results[0][1] for write in batch] == [1, 1]  # both ends stored
    assert sum("claimed_from" in sql for sql in seen) == 1
    assert sum("SET woken_at" in sql for sql in seen) == 1
    assert batch[0].results[-1] == ([], 0)  # its wake-up ran with the last end


def test_a_claim_alone_runs_as_its_own_statement(store):
    first, _ = fan_out(store, 3)
    write = end_write(store, first)
    store._commit_batch([write])
    assert [row["id"] for row in write.rows] == ["p/2"]
    assert write.results[0][1] == 1


def ready(store: sqlite.SQLiteStore, *ids: str) -> None:
    """Top-level workflows `ids`, ready to be claimed."""
    for wf_id in ids:
        store.create_workflow(base.NewWorkflow(wf_id, "wf", "{}", ready_at=T), T)


def held(fence: base.Fence) -> base.HistoryEvent:
    """A run's last step result, held back to its end."""
    return base.HistoryEvent(fence.workflow_id, 0, "step", "s", "completed", "1", 1, T, T + 1)


def end(store: sqlite.SQLiteStore, fence: base.Fence, then: base.ClaimNext) -> bool:
    outcome = base.Outcome("completed", "1")
    return store.finish(fence, outcome, T + 1, history=[held(fence)], then_claim=then)


def test_a_workflows_end_with_held_rows_claims_the_workers_next_in_its_commit(store):
    fence = running(store, "a", OWNER)
    ready(store, "b", "c")
    then = request()
    assert end(store, fence, then) is False
    assert then.claims is not None and [c.record.id for c in then.claims] == ["b"]
    assert (then.claims[0].record.status, then.claims[0].fence.owner) == ("running", OWNER)
    assert store.get_workflow("a").status == "completed"
    assert [e.payload for e in store.load_history("a")] == ["1"]


def test_a_fenced_out_workflows_end_writes_nothing_but_hands_over_its_claim(store):
    fence = running(store, "a", OWNER)
    ready(store, "b")
    stale = base.Fence("a", OWNER, fence.epoch + 1)
    then = request()
    with pytest.raises(errors.LeaseLost):
        end(store, stale, then)
    assert then.claims is not None and [c.record.id for c in then.claims] == ["b"]
    assert (store.get_workflow("a").status, store.load_history("a")) == ("running", [])


def test_the_ends_of_a_batch_claim_with_one_statement_each_unit_kept_or_not(store):
    fences = [running(store, wf_id, OWNER) for wf_id in ("a", "b", "c")]
    ready(store, "d", "e", "f")
    stale = base.Fence("c", OWNER, fences[2].epoch + 1)
    made = store._claim_with_end(request(), T + 1)
    assert made is not None
    (claim_sql, claim_params), alike = made
    q = queries.load("sqlite", "workflows")
    batch = []
    for fence in [*fences[:2], stale]:
        params = workflows.fenced(
            {**base.shallow(base.Outcome("completed", "1")), "now": T + 1}, fence
        )
        unit = [
            positional(*workflows.appending(q, params, held(fence))),
            positional(q["finish"], params),
        ]
        batch.append(groupcommit.Write(claim_sql, claim_params, unit=unit, merge=alike))
    seen: list[str] = []
    store._conn.set_trace_callback(seen.append)
    store._commit_batch(batch)
    store._conn.set_trace_callback(None)
    assert sum("claimed_from" in sql for sql in seen) == 1
    assert [[row["id"] for row in write.rows] for write in batch] == [["d"], ["e"], ["f"]]
    assert [write.results for write in batch] == [[([], 1)], [([], 1)], [([], 0)]]
    assert [store.get_workflow(i).status for i in "abc"] == ["completed", "completed", "running"]
