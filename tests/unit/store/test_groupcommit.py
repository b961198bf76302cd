"""Group commit (`podium.store.groupcommit`): batching, hand-off, errors, no lost wake-ups.

The commit function is a fake that records each batch and can hold a batch on an Event, so
the tests decide who arrives while which commit is in flight. Nothing here measures time:
threads meet on Events, and every wait has a generous timeout that only a hang would reach.

The last section drives `SQLiteStore`'s failed-batch fallback on a real SQLite file.
"""

from __future__ import annotations

import collections
import contextlib
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from podium.store import sqlite
from podium.store.groupcommit import GroupCommit, Write

WAIT = 30.0
"""Seconds any wait may take before the test calls it a hang (never reached when correct)."""


class Disk(Exception):
    """The error the fake commit raises for a whole batch."""


class Interrupt(BaseException):
    """A BaseException (not an Exception) raised by a commit, like KeyboardInterrupt."""


class FakeCommit:
    """A `commit_batch` that records batches, holds chosen ones, and fails chosen ones.

    `hold(n)` makes the n-th batch (from 0) wait until `release(n)`, and `wait_started(n)`
    waits until it is in flight. `fail[n]` is raised by the n-th batch instead of committing
    it; writes whose sql is in `reject` get a per-write error. A committed write gets
    `rows == [(sql, params)]` and a rowcount unique to it, so each caller can check it got its
    own result.
    """

    def __init__(self) -> None:
        self.batches: list[list[Write]] = []
        self.committed: list[Write] = []
        self.fail: dict[int, BaseException] = {}
        self.reject: set[str] = set()
        self._gates: dict[int, threading.Event] = {}
        self._started: collections.defaultdict[int, threading.Event] = collections.defaultdict(
            threading.Event
        )
        self._lock = threading.Lock()

    def hold(self, n: int) -> None:
        self._gates[n] = threading.Event()

    def release(self, n: int) -> None:
        self._gates[n].set()

    def wait_started(self, n: int) -> None:
        assert self._started[n].wait(WAIT), f"batch {n} never started"

    def holds(self, write: Write) -> bool:
        with self._lock:
            return any(w is write for w in self.committed)

    def sizes(self) -> list[int]:
        return [len(batch) for batch in self.batches]

    def sqls(self, n: int) -> list[str]:
        return [write.sql for write in self.batches[n]]

    def __call__(self, batch: list[Write]) -> None:
        with self._lock:
            n = len(self.batches)
            self.batches.append(list(batch))
        self._started[n].set()
        gate = self._gates.get(n)
        if gate is not None:
            assert gate.wait(WAIT), f"batch {n} was never released"
        if n in self.fail:
            raise self.fail[n]
        with self._lock:
            for write in batch:
                if write.sql in self.reject:
                    write.error = ValueError(f"rejected {write.sql}")
                    continue
                write.rows = [(write.sql, write.params)]
                write.rowcount = 1000 + len(self.committed)
                self.committed.append(write)


class Caller(threading.Thread):
    """A thread that submits one write and keeps what came back."""

    def __init__(self, group: GroupCommit, fake: FakeCommit, sql: str) -> None:
        super().__init__(name=f"caller-{sql}", daemon=True)
        self.group = group
        self.fake = fake
        self.sql = sql
        self.write: Write | None = None
        self.error: BaseException | None = None
        self.committed_on_return = False

    def run(self) -> None:
        try:
            write = self.group.submit(Write(self.sql, {"sql": self.sql}))
        except BaseException as exc:
            self.error = exc
        else:
            self.write = write
            self.committed_on_return = self.fake.holds(write)

    def finish(self) -> None:
        self.join(WAIT)
        assert not self.is_alive(), f"{self.name} is still waiting: a lost wake-up"


def queued(group: GroupCommit) -> int:
    """How many writes wait for the commit in flight.

    The one look at GroupCommit's insides: a thread blocked in `submit` cannot say it has
    queued, and only a queue formed before the release makes the batch sizes certain.
    """
    return len(group._pending)


def wait_queued(group: GroupCommit, count: int) -> None:
    deadline = time.monotonic() + WAIT
    while queued(group) < count:
        assert time.monotonic() < deadline, f"{count} writers never queued"
        time.sleep(0.001)


@pytest.fixture
def fake() -> FakeCommit:
    return FakeCommit()


@pytest.fixture
def group(fake: FakeCommit) -> GroupCommit:
    return GroupCommit(fake)


def start_leader(group: GroupCommit, fake: FakeCommit, sql: str = "lead") -> Caller:
    """Start a writer whose commit (batch 0) stays in flight until `fake.release(0)`."""
    fake.hold(0)
    leader = Caller(group, fake, sql)
    leader.start()
    fake.wait_started(0)
    return leader


def queue_behind(group: GroupCommit, fake: FakeCommit, *sqls: str) -> list[Caller]:
    """Start one writer per sql, in order, each queued before the next one starts."""
    callers = []
    for sql in sqls:
        caller = Caller(group, fake, sql)
        before = queued(group)
        caller.start()
        wait_queued(group, before + 1)
        callers.append(caller)
    return callers


def finish_all(callers: list[Caller]) -> None:
    for caller in callers:
        caller.finish()


# -- batching and hand-off ---------------------------------------------------------------------


def test_a_lone_writer_commits_alone_and_gets_its_result(
    group: GroupCommit, fake: FakeCommit
) -> None:
    write = group.submit(Write("INSERT 1", (1, 2)))

    assert fake.sizes() == [1]
    assert fake.holds(write)
    assert write.rows == [("INSERT 1", (1, 2))]
    assert write.rowcount == 1000


def test_writers_arriving_during_a_commit_are_led_as_one_batch(
    group: GroupCommit, fake: FakeCommit
) -> None:
    leader = start_leader(group, fake)
    waiting = queue_behind(group, fake, "b", "c", "d")
    assert fake.sizes() == [1]  # nobody behind the leader has committed on its own

    fake.release(0)
    finish_all([leader, *waiting])

    assert fake.sizes() == [1, 3]
    assert fake.sqls(1) == ["b", "c", "d"]


def test_every_caller_returns_after_the_commit_that_holds_its_write(
    group: GroupCommit, fake: FakeCommit
) -> None:
    leader = start_leader(group, fake)
    waiting = queue_behind(group, fake, "b", "c")
    fake.release(0)
    finish_all([leader, *waiting])

    for caller in [leader, *waiting]:
        assert caller.error is None
        assert caller.committed_on_return, f"{caller.sql} returned before its commit"


def test_each_caller_gets_the_rows_and_rowcount_of_its_own_write(
    group: GroupCommit, fake: FakeCommit
) -> None:
    leader = start_leader(group, fake)
    waiting = queue_behind(group, fake, "b", "c", "d")
    fake.release(0)
    finish_all([leader, *waiting])

    rowcounts = set()
    for caller in [leader, *waiting]:
        assert caller.write is not None
        assert caller.write.sql == caller.sql
        assert caller.write.rows == [(caller.sql, {"sql": caller.sql})]
        rowcounts.add(caller.write.rowcount)
    assert rowcounts == {1000, 1001, 1002, 1003}


def test_writers_arriving_during_a_led_batch_form_the_batch_after_it(
    group: GroupCommit, fake: FakeCommit
) -> None:
    leader = start_leader(group, fake)
    second = queue_behind(group, fake, "b", "c")
    fake.hold(1)
    fake.release(0)
    fake.wait_started(1)  # "b" now leads ["b", "c"], and holds it in flight
    third = queue_behind(group, fake, "d", "e", "f")

    fake.release(1)
    finish_all([leader, *second, *third])

    assert fake.sizes() == [1, 2, 3]
    assert fake.sqls(2) == ["d", "e", "f"]
    assert all(caller.committed_on_return for caller in [leader, *second, *third])


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("error", [Disk("disk full"), Interrupt()], ids=["Exception", "Base"])
def test_a_failed_commit_reaches_every_writer_of_its_batch(
    group: GroupCommit, fake: FakeCommit, error: BaseException
) -> None:
    leader = start_leader(group, fake)
    waiting = queue_behind(group, fake, "b", "c", "d")
    fake.fail[1] = error
    fake.release(0)
    finish_all([leader, *waiting])

    assert leader.error is None and leader.committed_on_return
    assert [caller.error for caller in waiting] == [error, error, error]
    assert not any(fake.holds(write) for write in fake.batches[1])


def test_a_failed_commit_still_hands_off_to_the_writers_queued_behind_it(
    group: GroupCommit, fake: FakeCommit
) -> None:
    fake.fail[0] = Disk("disk full")
    leader = start_leader(group, fake)
    waiting = queue_behind(group, fake, "b", "c")
    fake.release(0)
    finish_all([leader, *waiting])

    assert isinstance(leader.error, Disk)
    assert fake.sizes() == [1, 2]
    assert all(caller.error is None and caller.committed_on_return for caller in waiting)


def test_after_a_failed_commit_the_next_writer_leads_again(
    group: GroupCommit, fake: FakeCommit
) -> None:
    fake.fail[0] = Disk("disk full")
    with pytest.raises(Disk):
        group.submit(Write("first", ()))

    # Were the group still marked busy, this writer would queue behind nobody for ever.
    after = Caller(group, fake, "after")
    after.start()
    after.finish()

    assert after.error is None and after.committed_on_return
    assert fake.sizes() == [1, 1]


def test_a_per_write_error_reaches_only_its_writer(group: GroupCommit, fake: FakeCommit) -> None:
    fake.reject = {"c"}
    leader = start_leader(group, fake)
    waiting = queue_behind(group, fake, "b", "c", "d")
    fake.release(0)
    finish_all([leader, *waiting])

    assert fake.sizes() == [1, 3]
    outcomes = {caller.sql: caller for caller in [leader, *waiting]}
    assert isinstance(outcomes["c"].error, ValueError)
    assert str(outcomes["c"].error) == "rejected c"
    for sql in ["lead", "b", "d"]:
        assert outcomes[sql].error is None and outcomes[sql].committed_on_return


def test_a_per_write_error_set_by_the_leader_itself_reaches_it(
    group: GroupCommit, fake: FakeCommit
) -> None:
    fake.reject = {"lead"}
    leader = start_leader(group, fake)
    waiting = queue_behind(group, fake, "b")
    fake.release(0)
    finish_all([leader, *waiting])

    assert isinstance(leader.error, ValueError)
    assert waiting[0].error is None and waiting[0].committed_on_return


def test_a_per_write_error_outlives_the_failure_of_its_batch(fake: FakeCommit) -> None:
    own = ValueError("rejected b before the batch failed")

    def reject_then_fail(batch: list[Write]) -> None:
        fake(batch)
        if len(fake.batches) == 2:
            batch[0].error = own
            raise Disk("disk full")

    group = GroupCommit(reject_then_fail)
    leader = start_leader(group, fake)
    waiting = queue_behind(group, fake, "b", "c")
    fake.release(0)
    finish_all([leader, *waiting])

    assert waiting[0].error is own
    assert isinstance(waiting[1].error, Disk)


# -- many threads -------------------------------------------------------------------------------


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads far more often than usual, to shake out races in the hand-off."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


class StressCommit:
    """A commit that records each write's batch and fails the batches `fails(n)` picks.

    It also checks that only one batch is ever in flight: the group commit's whole promise.
    """

    def __init__(self, fails: Callable[[int], bool]) -> None:
        self.fails = fails
        self.committed: collections.Counter[tuple[int, int]] = collections.Counter()
        self.failed: set[tuple[int, int]] = set()
        self.overlaps = 0
        self.batches = 0
        self._in_flight = threading.Lock()
        self._lock = threading.Lock()

    def __call__(self, batch: list[Write]) -> None:
        if not self._in_flight.acquire(blocking=False):
            self.overlaps += 1
            self._in_flight.acquire()
        try:
            with self._lock:
                n = self.batches
                self.batches += 1
                keys = [_key(write) for write in batch]
                fail = self.fails(n)
                if fail:
                    self.failed.update(keys)
                else:
                    self.committed.update(keys)
            if fail:
                raise Disk(f"batch {n}")
        finally:
            self._in_flight.release()

    def was_committed(self, key: tuple[int, int]) -> bool:
        with self._lock:
            return self.committed[key] == 1


def _key(write: Write) -> tuple[int, int]:
    thread, index = write.params
    return int(thread), int(index)


THREADS = 16
WRITES = 200


def _hammer(fails: Callable[[int], bool]) -> tuple[StressCommit, dict[tuple[int, int], str]]:
    """Run THREADS x WRITES submits at once; return the commit and each caller's outcome."""
    commit = StressCommit(fails)
    group = GroupCommit(commit)
    start = threading.Barrier(THREADS)
    outcomes: dict[tuple[int, int], str] = {}
    lock = threading.Lock()

    def writer(thread: int) -> None:
        start.wait(WAIT)
        for index in range(WRITES):
            key = (thread, index)
            try:
                group.submit(Write("INSERT", (thread, index)))
            except Disk:
                outcome = "raised"
            else:
                outcome = "returned" if commit.was_committed(key) else "returned early"
            with lock:
                outcomes[key] = outcome

    threads = [threading.Thread(target=writer, args=(t,), daemon=True) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT * 4
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a writer was never woken"
    return commit, outcomes


@pytest.mark.usefixtures("fast_switching")
def test_many_threads_commit_every_write_exactly_once() -> None:
    commit, outcomes = _hammer(fails=lambda n: False)

    every = {(t, i) for t in range(THREADS) for i in range(WRITES)}
    assert set(commit.committed) == every
    assert set(commit.committed.values()) == {1}
    assert set(outcomes.values()) == {"returned"}
    assert len(outcomes) == THREADS * WRITES
    assert commit.overlaps == 0


@pytest.mark.usefixtures("fast_switching")
def test_many_threads_with_failing_batches_each_learn_their_own_batch_outcome() -> None:
    commit, outcomes = _hammer(fails=lambda n: n % 5 == 2)

    every = {(t, i) for t in range(THREADS) for i in range(WRITES)}
    assert set(commit.committed) | commit.failed == every
    assert not set(commit.committed) & commit.failed
    assert set(commit.committed.values()) == {1}
    assert commit.failed, "no batch failed: the test did not test failures"
    for key, outcome in outcomes.items():
        assert outcome == ("raised" if key in commit.failed else "returned"), key
    assert commit.overlaps == 0


# -- SQLiteStore: a failed batch retries each write alone ---------------------------------------
#
# These tests reach one internal, `SQLiteStore._commit_batch` (the commit function the store
# hands its GroupCommit), through `store_commit` below: the fallback lives there and no public
# verb can force a multi-write batch with a failing statement. If the store is restructured,
# point `store_commit` at the new commit function.

SCRATCH = "CREATE TABLE scratch (k TEXT NOT NULL CHECK (k != 'bad'))"
"""A table without a key: a write applied twice would show up twice."""


def store_commit(store: sqlite.SQLiteStore) -> Callable[[list[Write]], None]:
    return store._commit_batch


def insert(k: str) -> Write:
    return Write("INSERT INTO scratch (k) VALUES (?)", (k,))


def scratch_rows(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT k FROM scratch ORDER BY rowid")]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[sqlite.SQLiteStore, Path]]:
    path = tmp_path / "groupcommit.db"
    store = sqlite.SQLiteStore(str(path))
    store_commit(store)([Write(SCRATCH, ())])
    try:
        yield store, path
    finally:
        store.close()


@pytest.mark.parametrize("bad_at", [0, 1, 3])
def test_sqlite_failed_batch_retries_each_write_alone(
    db: tuple[sqlite.SQLiteStore, Path], bad_at: int
) -> None:
    store, path = db
    keys = ["a", "b", "c", "d"]
    keys[bad_at] = "bad"
    batch = [insert(k) for k in keys]

    store_commit(store)(batch)

    assert isinstance(batch[bad_at].error, sqlite3.IntegrityError)
    for i, write in enumerate(batch):
        if i != bad_at:
            assert write.error is None and write.rowcount == 1, write.params
    # Rolled back before the retries (no write twice), and only the bad one missing.
    assert scratch_rows(path) == [k for k in keys if k != "bad"]


class StoreCaller(threading.Thread):
    """A thread that inserts one key into `scratch` through `group` and keeps its error."""

    def __init__(self, group: GroupCommit, key: str) -> None:
        super().__init__(name=f"store-caller-{key}", daemon=True)
        self.group = group
        self.key = key
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.group.submit(Write("INSERT INTO scratch (k) VALUES (?)", (self.key,)))
        except BaseException as exc:
            self.error = exc


def test_sqlite_failed_batch_error_reaches_only_its_caller(
    db: tuple[sqlite.SQLiteStore, Path],
) -> None:
    store, path = db
    sizes: list[int] = []
    lead_in_flight = threading.Event()
    release_lead = threading.Event()

    def commit(batch: list[Write]) -> None:
        sizes.append(len(batch))
        if len(sizes) == 1:
            lead_in_flight.set()
            assert release_lead.wait(WAIT)
        store_commit(store)(batch)

    group = GroupCommit(commit)
    leader = StoreCaller(group, "a")
    leader.start()
    assert lead_in_flight.wait(WAIT)
    waiting = []
    for key in ["b", "bad", "c"]:
        waiting.append(StoreCaller(group, key))
        waiting[-1].start()
        wait_queued(group, len(waiting))
    release_lead.set()
    for caller in [leader, *waiting]:
        caller.join(WAIT)
        assert not caller.is_alive(), f"{caller.name} is still waiting"

    assert sizes == [1, 3]
    errors = {caller.key: caller.error for caller in [leader, *waiting]}
    assert isinstance(errors.pop("bad"), sqlite3.IntegrityError)
    assert errors == {"a": None, "b": None, "c": None}
    assert scratch_rows(path) == ["a", "b", "c"]


def test_sqlite_single_write_error_is_raised_to_its_caller(
    db: tuple[sqlite.SQLiteStore, Path],
) -> None:
    store, path = db
    group = GroupCommit(store_commit(store))

    with pytest.raises(sqlite3.IntegrityError):
        group.submit(Write("INSERT INTO scratch (k) VALUES (?)", ("bad",)))
    write = group.submit(Write("INSERT INTO scratch (k) VALUES (?)", ("ok",)))

    assert write.rowcount == 1
    assert scratch_rows(path) == ["ok"]


def unit(*keys: str) -> Write:
    """One write of several inserts that must commit together (`Write.more`)."""
    first, *rest = keys
    return Write(insert(first).sql, (first,), more=[(insert(k).sql, (k,)) for k in rest])


def test_sqlite_a_write_with_more_commits_all_its_statements_and_their_results(
    db: tuple[sqlite.SQLiteStore, Path],
) -> None:
    store, path = db
    alone, batched = unit("a", "b"), unit("c", "d")

    store_commit(store)([alone])
    store_commit(store)([insert("x"), batched])

    assert alone.error is None and batched.error is None
    assert [count for _rows, count in batched.results] == [1]
    assert scratch_rows(path) == ["a", "b", "x", "c", "d"]


def test_sqlite_a_write_with_more_is_retried_alone_as_one_transaction(
    db: tuple[sqlite.SQLiteStore, Path],
) -> None:
    store, path = db
    half_bad, good = unit("a", "bad"), unit("b", "c")

    store_commit(store)([half_bad, good])

    # Its first statement is not kept without the failed one; the other unit is unharmed.
    assert isinstance(half_bad.error, sqlite3.IntegrityError)
    assert good.error is None
    assert scratch_rows(path) == ["b", "c"]
