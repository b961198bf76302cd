"""Group commit: writes that threads make at the same moment share one transaction.

The first writer becomes the leader and commits alone; writers arriving while it commits queue
up, and the next of them leads the whole queue as one transaction. Every caller returns only
after the commit that holds its write, so durability per write is unchanged while the commit
cost (the WAL append and its locking) is paid once per batch instead of once per write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

Params: TypeAlias = Sequence[Any] | Mapping[str, Any]


class Write:
    """One statement waiting to be committed, and what it returned."""

    __slots__ = ("error", "event", "lead", "params", "rowcount", "rows", "sql")

    def __init__(self, sql: str, params: Params) -> None:
        self.sql = sql
        self.params = params
        self.rows: list[Any] = []
        self.rowcount = 0
        self.error: BaseException | None = None
        self.event: threading.Event | None = None
        self.lead = False


class GroupCommit:
    """Batches concurrent `submit` calls; `commit_batch` runs one batch as one transaction."""

    def __init__(self, commit_batch: Callable[[list[Write]], None]) -> None:
        self._commit_batch = commit_batch
        self._lock = threading.Lock()
        self._pending: list[Write] = []
        self._busy = False

    def submit(self, sql: str, params: Params) -> Write:
        """Execute `sql` in the next commit; return it with its rows and rowcount."""
        write = Write(sql, params)
        with self._lock:
            if self._busy:
                write.event = threading.Event()
                self._pending.append(write)
            else:
                self._busy = True
        if write.event is not None:
            write.event.wait()
            if not write.lead:
                return _result(write)
            with self._lock:
                batch, self._pending = self._pending, []
        else:
            batch = [write]
        self._lead(batch)
        return _result(write)

    def _lead(self, batch: list[Write]) -> None:
        try:
            self._commit_batch(batch)
        except BaseException as exc:  # every waiter must learn of it
            for write in batch:
                write.error = write.error or exc
        finally:
            for write in batch:
                if write.event is not None and not write.lead:
                    write.event.set()
            with self._lock:
                if self._pending:
                    successor = self._pending[0]
                    successor.lead = True
                    assert successor.event is not None
                    successor.event.set()
                else:
                    self._busy = False


def _result(write: Write) -> Write:
    if write.error is not None:
        raise write.error
    return write
