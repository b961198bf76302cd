"""Group commit: writes that threads make at the same moment share one transaction.

The first writer becomes the leader and commits alone; writers arriving while it commits queue
up, and the next of them leads the whole queue as one transaction. Every caller returns only
after the commit that holds its write, so durability per write is unchanged while the commit
cost (the WAL append and its locking) is paid once per batch instead of once per write.

A write may carry further statements (`more`) that must commit with it, such as a child's end
and its parent's wake-up: they run right after it, in the same transaction, and a store that
runs a write alone (a batch of one, or after its batch failed) runs them in a transaction too.
Its first `head` and last `tail` statements may be shared: writes of one key that carry the same
ones (the ends of children of one parent lock the parent and its wait, then wake it) need them
only once per transaction, and a store that batches may run them once (see `Write.head`).

Waiting writers block on a bare lock, not a `threading.Event`: an Event is a Condition with
its own lock and waiter list, several Python calls and futex round trips per hand-off, paid
on every step of every workflow that commits while another commit is in flight.
"""

from __future__ import annotations

import _thread
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias, cast

Params: TypeAlias = Sequence[Any] | Mapping[str, Any]
Statement: TypeAlias = tuple[str, Params]


class Write:
    """One statement waiting to be committed, and what it returned."""

    __slots__ = (
        "error",
        "head",
        "key",
        "lead",
        "merge",
        "more",
        "params",
        "results",
        "row",
        "rowcount",
        "rows",
        "sql",
        "tail",
        "unit",
        "waiter",
    )

    def __init__(
        self,
        sql: str,
        params: Params,
        key: str = "",
        more: Sequence[Statement] = (),
        unit: Sequence[Statement] = (),
        head: int = 0,
        tail: int = 0,
        merge: str = "",
        row: str = "",
    ) -> None:
        self.sql = sql
        self.params = params
        self.key = key
        """What the write locks (a workflow id), for stores that order a batch's locks by it."""
        self.row = row
        """The other row it locks after `key`'s (a child's end: the child's, after its parent's),
        by which such a store orders the writes of one key; empty for a write of one row."""
        self.more = more
        """Statements run right after this one, in the same transaction (see the module)."""
        self.unit = unit
        """Instead of `sql`: statements kept together or not at all (see `GroupCommit.submit`);
        with `merge`, after `sql`, a claim that stands either way (a store that takes it says
        where the unit's outcome goes)."""
        self.head = head
        """How many of its first statements (`sql`, then `more`) it may share with the writes
        of its key next to it in a batch that start with the same ones (the same SQL): a store
        may run them once, before the first of those writes, and give each their results."""
        self.tail = tail
        """How many of its last statements it may share likewise: a store may run them once,
        after the last of those writes (with that write's parameters); the writes before it
        then get no rows and a rowcount of 0 for them."""
        self.merge = merge
        """Non-empty: its first statement is a claim (named `params` with a `limit`) that a
        store may run as one with the claims of the same `merge` in its batch, summing their
        limits (see `alike_claims`); `head` and `tail` then count the statements after it.
        Where in the transaction the claim runs is the store's: SQLite runs a batch's claims
        first, PostgreSQL last (after every statement that may wait for a row lock)."""
        self.rows: list[Any] = []
        self.rowcount = 0
        self.results: list[tuple[list[Any], int]] = []
        """The rows and rowcount of each of `more`, in order, once committed."""
        self.error: BaseException | None = None
        self.waiter: _thread.LockType | None = None
        """Held while this write waits in the queue; released to wake its thread."""
        self.lead = False


class GroupCommit:
    """Batches concurrent `submit` calls; `commit_batch` runs one batch as one transaction."""

    def __init__(self, commit_batch: Callable[[list[Write]], None]) -> None:
        self._commit_batch = commit_batch
        self._lock = threading.Lock()
        self._pending: list[Write] = []
        self._busy = False

    def submit(self, write: Write) -> Write:
        """Execute `write.sql` (then `write.more`) in the next commit; return it with its results.

        With `unit` (and no `sql`), the write is those statements, which the store keeps only
        if each changed exactly one row (rowcount 1), else none of them (rowcount 0); a store
        that takes units says so. `key`, `head`, `tail` and `merge`: see `Write`.
        """
        with self._lock:
            if self._busy:
                write.waiter = _thread.allocate_lock()
                write.waiter.acquire()
                self._pending.append(write)
            else:
                self._busy = True
        if write.waiter is not None:
            write.waiter.acquire()  # until the leader of its batch (or its own turn) releases it
            if not write.lead:
                return _result(write)
            batch = self._take()
        else:
            batch = [write]
        self._lead(batch)
        return _result(write)

    def _take(self) -> list[Write]:
        """The queued writes, as one batch for the leader.

        A leader does not wait for more writers: measured on PostgreSQL, giving up the GIL so
        that threads about to write could join cost one process more than the fewer commits
        saved, and did not help four.
        """
        with self._lock:
            batch, self._pending = self._pending, []
        return batch

    def _lead(self, batch: list[Write]) -> None:
        try:
            self._commit_batch(batch)
        except BaseException as exc:  # every waiter must learn of it
            for write in batch:
                write.error = write.error or exc
        finally:
            for write in batch:
                if write.waiter is not None and not write.lead:
                    write.waiter.release()
            with self._lock:
                if self._pending:
                    successor = self._pending[0]
                    successor.lead = True
                    assert successor.waiter is not None
                    successor.waiter.release()
                else:
                    self._busy = False


class AlikeClaims:
    """Claims of one batch that differ only in their limit (and moment): one statement.

    It claims their summed limit at the latest moment among them; `deal` hands its rows out
    in turn, each claim getting at most its own limit. What a claim costs is mostly the
    statement, not the rows it takes, so claims made at once cost one.
    """

    __slots__ = ("limits", "params", "sql", "writes")

    def __init__(self, writes: list[Write]) -> None:
        self.writes = writes
        self.sql = writes[0].sql
        latest = cast(Mapping[str, Any], max(writes, key=_moment).params)
        self.limits = [cast(Mapping[str, Any], write.params)["limit"] for write in writes]
        self.params: dict[str, Any] = {**latest, "limit": sum(self.limits)}

    def deal(self, rows: list[Any]) -> None:
        """Give each claim its share of `rows` (`Write.rows`, `Write.rowcount`)."""
        for write, limit in zip(self.writes, self.limits, strict=True):
            write.rows, rows = rows[:limit], rows[limit:]
            write.rowcount = len(write.rows)

    def fail(self, exc: BaseException) -> None:
        """Each claim fails with `exc`."""
        for write in self.writes:
            write.error = exc


def alike_claims(claims: Sequence[Write], kind: Callable[[Write], str]) -> list[AlikeClaims]:
    """`claims` (writes whose statement is a claim) grouped by `kind`, in first-seen order."""
    kinds: dict[str, list[Write]] = {}
    for write in claims:
        kinds.setdefault(kind(write), []).append(write)
    return [AlikeClaims(writes) for writes in kinds.values()]


def _moment(write: Write) -> float:
    """When the claim `write` was asked for."""
    return float(cast(Mapping[str, Any], write.params)["now"])


def _result(write: Write) -> Write:
    if write.error is not None:
        raise write.error
    return write
