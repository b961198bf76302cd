"""A failed PostgreSQL group commit: each write runs again alone, the connection stays clean.

The batch is sent as one pipelined transaction (BEGIN, the writes, COMMIT in one round trip).
When one write fails, PostgreSQL skips the rest up to the pipeline's end, so nothing of the
batch is committed; the store then runs each write alone. The failing writer alone gets the
error, every other write is committed exactly once, and the pooled connection is back idle
(not left inside the aborted transaction) for the next batch.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from podium.store import factory, postgres
from podium.store.groupcommit import Write
from tests import pg

SCRATCH = "CREATE TABLE scratch (k text PRIMARY KEY)"
INSERT = "INSERT INTO scratch (k) VALUES (%(k)s) RETURNING k"


@pytest.fixture
def store(pg_url: str) -> Iterator[postgres.PostgresStore]:
    opened = factory.open_store(pg.with_query(pg_url, pool_max="1"))
    assert isinstance(opened, postgres.PostgresStore)
    opened.connector.execute(SCRATCH, {})
    opened.connector.execute(INSERT, {"k": "taken"})
    try:
        yield opened
    finally:
        opened.close()


def scratch(store: postgres.PostgresStore) -> list[str]:
    rows = store.connector.query("SELECT k FROM scratch WHERE k <> 'taken' ORDER BY k", {})
    return [row["k"] for row in rows]


@pytest.mark.parametrize("bad_at", [0, 2, 3])
def test_a_failed_batch_commits_the_others_once_and_leaves_the_connection_idle(
    store: postgres.PostgresStore, bad_at: int
) -> None:
    keys = ["a", "b", "c", "d"]
    keys[bad_at] = "taken"
    batch = [Write(INSERT, {"k": k}, key=k) for k in keys]

    store._connector._commit_batch(batch)  # one batch, as its leader runs it

    assert isinstance(batch[bad_at].error, psycopg.errors.UniqueViolation)
    for i, write in enumerate(batch):
        if i != bad_at:
            assert write.error is None, write.params
            assert write.rows == [{"k": keys[i]}] and write.rowcount == 1
    assert scratch(store) == sorted(k for k in keys if k != "taken")

    follow = [Write(INSERT, {"k": k}, key=k) for k in ("e", "f")]
    store._connector._commit_batch(follow)  # on the same (only) connection
    assert [w.error for w in follow] == [None, None]
    assert scratch(store) == sorted([*(k for k in keys if k != "taken"), "e", "f"])


def test_a_batch_returns_each_writes_rows_and_rowcount(store: postgres.PostgresStore) -> None:
    batch = [Write(INSERT, {"k": k}, key=k) for k in ("y", "x")]
    batch.append(Write("UPDATE scratch SET k = k WHERE k IN ('x', 'y')", {}, key="z"))

    store._connector._commit_batch(batch)

    assert [w.rows for w in batch] == [[{"k": "y"}], [{"k": "x"}], []]
    assert [w.rowcount for w in batch] == [1, 1, 2]
