"""On SQLite a child's end may carry its worker's next claim (`Store.finish(then_claim=...)`).

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

from podium.store import base, children, groupcommit, queries, sqlite, workflows
from tests.conformance.test_claim_with_end import fan_out, request
from tests.unit.store.test_sqlite_units import positional
from tests.unit.test_fanout import T


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
