"""On PostgreSQL a child's end and its parent's wait are ordered: no wake-up is lost between them.

The parent stores its wait (how many children may still be open), then looks at its children
again. A child's end reads that wait in its own transaction. Each statement of PostgreSQL
reads a snapshot, so without an order the child could read "no wait" while the parent reads
"child still open", and the parent would sleep until its fallback recheck. The child's end
locks the parent's row FOR KEY SHARE first and `set_wait` locks it FOR UPDATE first, so one
of the two always sees the other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from podium import codecs
from podium.store import base, children, coded, factory, queries
from podium.store.groupcommit import Write
from podium.store.postgres import PostgresStore
from tests import pg
from tests.unit.store.captured import captured_write
from tests.unit.test_fanout import T, child, running

APPLICATION = "podium-wait-order"
WAITING_ON_A_LOCK = (
    "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = %s "
    "AND wait_event_type = 'Lock' AND query LIKE %s"
)


@pytest.fixture
def store() -> Iterator[PostgresStore]:
    with pg.fresh_schema() as url:
        s = factory.open_store(pg.with_query(url, application_name=APPLICATION))
        assert isinstance(s, PostgresStore)
        try:
            yield s
        finally:
            s.close()


def _raw(store: PostgresStore) -> psycopg.Connection[tuple[object, ...]]:
    conn = pg.connect()
    conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(store.schema)))
    return conn


def _ended_child(store: PostgresStore) -> tuple[children.Children, base.Fence]:
    """Parent "p" running with one child "p/0", claimed by "kid": the children store, its fence."""
    kids = children.Children(store.connector)
    kids.create(running(store, "p"), [child("p", 0)], T)
    claim = store.claim_one("p/0", "kid", T, 30)
    assert claim is not None
    return kids, claim.fence


def test_a_wait_stored_while_a_childs_end_commits_waits_for_it(store: PostgresStore) -> None:
    kids, fence = _ended_child(store)
    q = queries.load("postgres", "workflows")
    finish = {
        **base.shallow(base.Outcome("completed", "1")),
        "now": T + 1,
        "fence_id": fence.workflow_id,
        "fence_owner": fence.owner,
        "fence_epoch": fence.epoch,
    }
    parent = {"parent_id": "p", "now": T + 1}
    with _raw(store) as conn:
        conn.execute("BEGIN")  # the child's end, up to its look at the wait
        conn.execute(q["lock_parent"], parent)
        assert conn.execute(q["finish"], finish).rowcount == 1
        waiter = threading.Thread(target=lambda: kids.set_wait("p", 0))
        waiter.start()
        with pg.connect() as watcher:
            seen = 0
            for _ in range(500):  # the parent's wait queues behind the child's lock
                found = watcher.execute(WAITING_ON_A_LOCK, (APPLICATION, "%podium_child_waits%"))
                seen = len([1 for (n,) in found.fetchall() if n])
                if seen:
                    break
                threading.Event().wait(0.01)
        assert seen == 1 and waiter.is_alive()
        assert conn.execute(q["lock_child_wait"], parent).fetchall() == []  # no wait yet
        assert conn.execute(q["wake_if_due"], parent).rowcount == 0
        conn.execute("COMMIT")
    waiter.join(timeout=30)
    assert not waiter.is_alive()
    # The parent's look after storing its wait sees the end: it does not go to sleep.
    assert not kids.states(["p/0"])["p/0"].open


def test_a_childs_end_after_the_wait_wakes_the_parent(store: PostgresStore) -> None:
    kids, fence = _ended_child(store)
    kids.set_wait("p", 0)
    assert store.finish(fence, base.Outcome("completed", "1"), T + 1, parent_id="p") is True


def test_a_childs_end_wakes_the_parent_only_when_few_enough_are_open(
    store: PostgresStore,
) -> None:
    kids = children.Children(store.connector)
    kids.create(running(store, "p"), [child("p", 0), child("p", 1)], T)
    first = store.claim_one("p/0", "kid", T, 30)
    assert first is not None
    kids.set_wait("p", 0)
    assert store.finish(first.fence, base.Outcome("completed", "1"), T + 1, parent_id="p") is False
    second = store.claim_one("p/1", "kid", T, 30)
    assert second is not None
    assert store.finish(second.fence, base.Outcome("completed", "1"), T + 2, parent_id="p")


def test_a_stale_childs_end_is_refused_and_writes_nothing(store: PostgresStore) -> None:
    _kids, fence = _ended_child(store)
    stale = base.Fence(fence.workflow_id, fence.owner, fence.epoch + 1)
    with pytest.raises(Exception, match="p/0"):
        store.finish(stale, base.Outcome("completed", "1"), T + 1, parent_id="p")
    record = store.get_workflow("p/0")
    assert record is not None and record.status == "running"


@pytest.mark.parametrize("with_codecs", [False, True], ids=["plain", "codecs"])
def test_a_childs_end_waits_for_a_wait_being_stored_then_sees_it(
    store: PostgresStore, with_codecs: bool
) -> None:
    """The other order: the parent holds its row while storing its wait; the child's end
    waits for that, then sees the wait and wakes the parent (also through the codec store,
    which finishes children in a transaction of its own, not the group commit)."""
    kids, fence = _ended_child(store)
    ending: base.Store = store
    if with_codecs:
        chain = codecs.chain([codecs.Compression()])
        assert chain is not None
        ending = coded.CodedStore(store, chain)
    woken: list[bool] = []
    with _raw(store) as conn:
        conn.execute("BEGIN")  # the parent's set_wait, up to its insert
        conn.execute("SELECT id FROM podium_workflows WHERE id = 'p' FOR UPDATE")
        outcome = base.Outcome("completed", "1")
        ender = threading.Thread(
            target=lambda: woken.append(ending.finish(fence, outcome, T + 1, parent_id="p"))
        )
        ender.start()
        with pg.connect() as watcher:
            seen = 0
            for _ in range(500):  # the child's end queues behind the parent's lock
                found = watcher.execute(WAITING_ON_A_LOCK, (APPLICATION, "%FOR KEY SHARE%"))
                seen = len([1 for (n,) in found.fetchall() if n])
                if seen:
                    break
                threading.Event().wait(0.01)
        assert seen == 1 and ender.is_alive()
        conn.execute("INSERT INTO podium_child_waits (workflow_id, at_most) VALUES ('p', 0)")
        conn.execute("COMMIT")
    ender.join(timeout=30)
    assert woken == [True]
    assert not kids.states(["p/0"])["p/0"].open


def _end_unit(store: PostgresStore, fence: base.Fence, now: float) -> Write:
    """The group-commit write of a child's end (as `_write_unit` submits it), uncommitted."""
    outcome = base.Outcome("completed", "1")
    return captured_write(store, lambda: store.finish(fence, outcome, now, parent_id="p"))


def test_ends_of_one_parents_children_in_one_batch_wake_it_once(store: PostgresStore) -> None:
    kids = children.Children(store.connector)
    kids.create(running(store, "p"), [child("p", 0), child("p", 1), child("p", 2)], T)
    fences = [store.claim_one(f"p/{i}", "kid", T, 30) for i in range(3)]
    kids.set_wait("p", 0)
    ends = [_end_unit(store, claim.fence, T + 1) for claim in fences[:2] if claim is not None]
    assert [(w.head, w.tail) for w in ends] == [(1, 2), (1, 2)]

    store._connector._commit_batch(ends)  # both ends in one transaction

    assert [w.error for w in ends] == [None, None]
    assert [w.results[0][1] for w in ends] == [1, 1]  # each child's own end
    assert [w.results[-1][1] for w in ends] == [0, 0]  # one open child left: no wake-up
    assert [kids.states([f"p/{i}"])[f"p/{i}"].open for i in range(3)] == [False, False, True]
    last = fences[2]
    assert last is not None
    assert store.finish(last.fence, base.Outcome("completed", "1"), T + 2, parent_id="p")


def test_the_last_end_of_a_batch_wakes_the_parent_for_all_of_them(store: PostgresStore) -> None:
    kids = children.Children(store.connector)
    kids.create(running(store, "p"), [child("p", 0), child("p", 1)], T)
    fences = [store.claim_one(f"p/{i}", "kid", T, 30) for i in range(2)]
    kids.set_wait("p", 0)
    ends = [_end_unit(store, claim.fence, T + 1) for claim in fences if claim is not None]

    store._connector._commit_batch(ends)

    assert [w.error for w in ends] == [None, None]
    assert [w.results[-1][1] for w in ends] == [0, 1]  # the wake-up ran once, after both
    woken = store.connector.query("SELECT woken_at FROM podium_workflows WHERE id = 'p'", {})
    assert woken == [{"woken_at": T + 1}]


def test_ends_of_one_parents_children_lock_the_children_in_id_order(
    store: PostgresStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A batch ending p/1 then p/0 locks p/0 first, as a cancel of p's descendants does.

    The cancel (here a raw transaction) holds p/0 and then takes p/1. Had the batch locked
    p/1 before waiting for p/0, the two would wait for each other: a deadlock, which
    PostgreSQL breaks by aborting the batch (logged, then each write runs again alone).
    """
    kids = children.Children(store.connector)
    kids.create(running(store, "p"), [child("p", 0), child("p", 1)], T)
    fences = [store.claim_one(f"p/{i}", "kid", T, 30) for i in (1, 0)]
    ends = [_end_unit(store, claim.fence, T + 1) for claim in fences if claim is not None]
    assert [w.row for w in ends] == ["p/1", "p/0"]
    cancel = _raw(store)
    try:
        cancel.execute("SET lock_timeout = '20s'")
        cancel.execute("BEGIN")
        cancel.execute("SELECT id FROM podium_workflows WHERE id = 'p/0' FOR NO KEY UPDATE")
        batch = threading.Thread(target=store._connector._commit_batch, args=(ends,))
        with caplog.at_level("WARNING", logger="podium.store"):
            batch.start()
            _wait_until_waiting()
            cancel.execute("SELECT id FROM podium_workflows WHERE id = 'p/1' FOR NO KEY UPDATE")
            cancel.execute("ROLLBACK")
            batch.join(timeout=30)
        assert not batch.is_alive()
    finally:
        cancel.close()
    assert not [r for r in caplog.records if "aborted" in r.getMessage()]
    assert [w.error for w in ends] == [None, None]
    assert [w.results[0][1] for w in ends] == [1, 1]  # both children's ends stored


def _wait_until_waiting() -> None:
    """Until one of the store's connections waits for a row lock."""
    with pg.connect() as watcher:
        for _ in range(500):
            found = watcher.execute(WAITING_ON_A_LOCK, (APPLICATION, "%"))
            if any(n for (n,) in found.fetchall()):
                return
            threading.Event().wait(0.01)
    raise AssertionError("the batch never waited for the cancel's lock")
