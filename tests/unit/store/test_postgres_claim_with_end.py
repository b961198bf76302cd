"""On PostgreSQL a child's end may carry its worker's next claim, run last in its transaction.

As on SQLite (test_sqlite_claim_with_end), the claims that the ends of one batch carry run as
one statement, each end getting its own rows. Here the claim runs after every statement of
the transaction that may wait for a row lock (the parent's lock, the ends, the wait's lock
and the wake-up): a claim skips locked rows and never waits, so placed last it cannot be
part of a cycle of waits. The statements sent are recorded to see that order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from podium.store import base, children, factory, groupcommit, postgres
from podium.store.postgres import PostgresStore
from tests import pg
from tests.conformance.test_claim_with_end import OWNER, done, fan_out, request
from tests.unit.store.captured import captured_write

CLAIM = "claimed_from"
"""A word of the claim statement only."""


@pytest.fixture
def store() -> Iterator[PostgresStore]:
    with pg.fresh_schema() as url:
        s = factory.open_store(url)
        assert isinstance(s, PostgresStore)
        try:
            yield s
        finally:
            s.close()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The statements of each pipelined transaction, in the order they were sent."""
    seen: list[list[str]] = []
    run = postgres._pipelined_transaction

    def recording(conn: Any, statements: Sequence[tuple[str, Any]]) -> Any:
        seen.append([sql for sql, _ in statements])
        return run(conn, statements)

    monkeypatch.setattr(postgres, "_pipelined_transaction", recording)
    return seen


def end_write(store: PostgresStore, fence: base.Fence) -> groupcommit.Write:
    """The group-commit write of a child's end carrying a claim, uncommitted."""
    return captured_write(store, lambda: done(store, fence, request()))


def test_a_childs_end_claims_the_workers_next_workflow_last(store, sent):
    first, _ = fan_out(store, 4)
    then = request()
    done(store, first, then)
    assert then.claims is not None and len(then.claims) == 1
    claim = then.claims[0]
    assert claim.record.id in {"p/2", "p/3"}
    assert (claim.record.status, claim.fence.owner) == ("running", OWNER)
    assert store.get_workflow("p/0").status == "completed"
    ended = [statements for statements in sent if any(CLAIM in sql for sql in statements)]
    assert len(ended) == 1 and CLAIM in ended[0][-1]  # alone, the claim still runs last
    assert sum(CLAIM in sql for sql in ended[0]) == 1


def test_the_claims_of_a_batch_run_once_after_everything_each_end_getting_its_own(store, sent):
    fences = fan_out(store, 5)
    children.Children(store.connector).set_wait("p", 0)
    batch = [end_write(store, fence) for fence in fences]
    assert [(w.head, w.tail) for w in batch] == [(1, 2), (1, 2)]
    sent.clear()

    store._connector._commit_batch(batch)

    assert [w.error for w in batch] == [None, None]
    claimed = [[row["id"] for row in write.rows] for write in batch]
    assert sorted(ids for one in claimed for ids in one) == ["p/2", "p/3"]
    assert all(len(one) == 1 for one in claimed)
    assert [write.results[1][1] for write in batch] == [1, 1]  # both ends stored
    (statements,) = sent
    assert sum(CLAIM in sql for sql in statements) == 1 and CLAIM in statements[-1]
    assert sum("FOR KEY SHARE" in sql for sql in statements) == 1  # the parent locked once
    assert [w.results[-1][1] for w in batch] == [0, 0]  # two children still open: no wake-up
