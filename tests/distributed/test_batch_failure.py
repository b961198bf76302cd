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


COUNT = "UPDATE counter SET n = n + 1 WHERE name = %(name)s RETURNING n"


def test_writes_of_one_key_with_the_same_head_and_tail_send_them_once(
    store: postgres.PostgresStore,
) -> None:
    store.connector.execute("CREATE TABLE counter (name text PRIMARY KEY, n int)", {})
    store.connector.execute("INSERT INTO counter VALUES ('head', 0), ('tail', 0)", {})
    head, tail = (COUNT, {"name": "head"}), (COUNT, {"name": "tail"})

    def write(k: str, key: str) -> Write:
        return Write(*head, key=key, more=[(INSERT, {"k": k}), tail], head=1, tail=1)

    batch = [write("a", "p"), write("b", "q"), write("c", "p"), write("d", "p")]

    store._connector._commit_batch(batch)

    assert [w.error for w in batch] == [None] * 4
    assert scratch(store) == ["a", "b", "c", "d"]
    counts = store.connector.query("SELECT name, n FROM counter ORDER BY name", {})
    assert counts == [{"name": "head", "n": 2}, {"name": "tail", "n": 2}]  # once per key
    p_first, q_only, p_middle, p_last = batch  # run in key order: p's three, then q's
    assert [w.rows for w in batch] == [[{"n": 1}], [{"n": 2}], [{"n": 1}], [{"n": 1}]]
    assert p_first.results == [([{"k": "a"}], 1), ([], 0)]  # its tail ran for the last one
    assert p_middle.results == [([{"k": "c"}], 1), ([], 0)]
    assert p_last.results == [([{"k": "d"}], 1), ([{"n": 1}], 1)]
    assert q_only.results == [([{"k": "b"}], 1), ([{"n": 2}], 1)]


def test_writes_whose_head_differs_share_nothing(store: postgres.PostgresStore) -> None:
    store.connector.execute("CREATE TABLE counter (name text PRIMARY KEY, n int)", {})
    store.connector.execute("INSERT INTO counter VALUES ('head', 0)", {})
    other = COUNT.replace("n + 1", "n + 10")
    batch = [
        Write(sql, {"name": "head"}, key="p", more=[(INSERT, {"k": k})], head=1)
        for sql, k in ((COUNT, "a"), (other, "b"))
    ]

    store._connector._commit_batch(batch)

    assert [w.rows for w in batch] == [[{"n": 1}], [{"n": 11}]]
    assert scratch(store) == ["a", "b"]
