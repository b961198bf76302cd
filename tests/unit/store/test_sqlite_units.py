"""SQLite's group commit runs a unit (a run's held rows and its end) whole or not at all.

`SQLiteStore._apply_unit` keeps a unit's statements only if each changed exactly one row.
Alone it is a transaction of its own. In a batch's shared transaction a unit fenced out at its
first statement writes nothing and the batch goes on; one that fails later undoes the batch,
whose writes then run again alone. The batches are built here directly, so every path is
taken for certain (threads would only make them likely).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from podium.store import base, groupcommit, queries, sqlite, workflows

T = 1000.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sqlite.SQLiteStore]:
    opened = sqlite.SQLiteStore(str(tmp_path / "units.db"))
    yield opened
    opened.close()


def claimed(store: sqlite.SQLiteStore, workflow_id: str) -> base.Fence:
    store.create_workflow(base.NewWorkflow(id=workflow_id, workflow="wf", input="[]"), T)
    claim = store.claim_one(workflow_id, "A", T, 10.0)
    assert claim is not None
    return claim.fence


def unit(fence: base.Fence, seq: int, *, end_fence: base.Fence | None = None) -> groupcommit.Write:
    """A held row at `seq` and the end, the end under `end_fence` (default: `fence`)."""
    q = queries.load("sqlite", "workflows")
    params = workflows.fenced({**base.shallow(base.Outcome("completed", "1")), "now": T}, fence)
    event = base.HistoryEvent(fence.workflow_id, seq, "step", "s", "completed", '"v"', 1, T, T)
    ending = workflows.fenced(params, end_fence or fence)
    return groupcommit.Write(
        "",
        (),
        unit=[positional(*workflows.appending(q, params, event)), positional(q["finish"], ending)],
    )


def positional(sql: str, params: Mapping[str, Any]) -> groupcommit.Statement:
    text, values = sqlite._positional(sql)
    return text, values(params)


def status(store: sqlite.SQLiteStore, workflow_id: str) -> tuple[str, int]:
    found = store.get_workflow(workflow_id)
    assert found is not None
    return found.status, len(store.load_history(workflow_id))


def test_a_unit_alone_is_kept_whole(store):
    write = unit(claimed(store, "w"), 0)
    store._commit_batch([write])
    assert (write.rowcount, status(store, "w")) == (1, ("completed", 1))


def test_a_unit_alone_whose_end_is_fenced_out_keeps_nothing(store):
    fence = claimed(store, "w")
    write = unit(fence, 0, end_fence=base.Fence("w", "A", fence.epoch - 1))
    store._commit_batch([write])
    assert (write.rowcount, status(store, "w")) == (0, ("running", 0))


def test_a_failed_unit_in_a_batch_is_undone_and_the_rest_of_the_batch_kept(store):
    good, bad = claimed(store, "good"), claimed(store, "bad")
    stale = base.Fence("bad", "A", bad.epoch - 1)  # the row lands, then the end is refused
    kept = unit(good, 0)
    refused = unit(bad, 0, end_fence=stale)
    last = unit(good, 1)  # "good" has ended by now: its fence no longer holds
    store._commit_batch([kept, refused, last])
    assert [w.rowcount for w in (kept, refused, last)] == [1, 0, 0]
    assert status(store, "good") == ("completed", 1)
    assert status(store, "bad") == ("running", 0)


def test_a_unit_whose_first_statement_is_fenced_out_leaves_its_batch_alone(store):
    good, bad = claimed(store, "good"), claimed(store, "bad")
    stale = base.Fence("bad", "A", bad.epoch - 1)  # fenced out from its first statement on
    writes = [unit(good, 0), unit(stale, 0)]
    store._commit_batch(writes)
    assert [w.rowcount for w in writes] == [1, 0]
    assert (status(store, "good"), status(store, "bad")) == (("completed", 1), ("running", 0))
