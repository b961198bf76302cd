"""The embedded store: one SQLite file in WAL mode, safe for several processes at once.

Each write is a single autocommit statement wherever possible, so a checkpoint costs one
commit; the fence check sits inside the same statement. Several processes share the file
through SQLite's own locking (`busy_timeout` waits for the writer lock).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from podium import errors
from podium.store import base, groupcommit, migrate, queries
from podium.store import queues as queue_limits

DIALECT = "sqlite"
_SYNCHRONOUS = {"normal": "NORMAL", "full": "FULL", "off": "OFF", "extra": "EXTRA"}


class SQLiteStore:
    """`Store` on a SQLite file (or `:memory:` for one process)."""

    def __init__(self, path: str, *, synchronous: str = "normal", busy_timeout: float = 30.0):
        level = _SYNCHRONOUS.get(synchronous.lower())
        if level is None:
            raise errors.ConfigurationError(
                f"sqlite synchronous={synchronous!r} is not one of {sorted(_SYNCHRONOUS)}"
            )
        self.path = path
        self.synchronous = level
        self._q = queries.load(DIALECT)
        self._lock = threading.RLock()
        self._conn = _connect(path, busy_timeout)
        self._claim_sql: dict[int, str] = {}
        self._writes = groupcommit.GroupCommit(self._commit_batch)
        self._configure(self._conn)
        self._migrate()
        _check_columns(self._conn)
        self._read_lock: threading.RLock = self._lock
        self._reader = self._conn
        self._checkpointer: _Checkpointer | None = None
        self.connector = _Connector(self)
        if path != ":memory:":
            self._read_lock = threading.RLock()
            self._reader = _connect(path, busy_timeout)
            self._checkpointer = _Checkpointer(path, busy_timeout)
            self._conn.execute("PRAGMA wal_autocheckpoint=0")

    def _configure(self, conn: sqlite3.Connection) -> None:
        if self.path != ":memory:":
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise errors.ConfigurationError(
                    f"SQLite database {self.path!r} refused WAL mode ({mode}); use a local disk"
                )
        conn.execute(f"PRAGMA synchronous={self.synchronous}")

    def _migrate(self) -> None:
        with self._transaction() as conn:
            conn.execute(migrate.SCHEMA_TABLE)
            applied = {row[0] for row in conn.execute("SELECT version FROM podium_schema")}
            for version, name, sql in migrate.pending(DIALECT, applied):
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO podium_schema (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, time.time()),
                )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _commit_batch(self, batch: list[groupcommit.Write]) -> None:
        """Commit `batch` as one transaction (a single write commits by itself)."""
        with self._lock:
            if len(batch) == 1:
                _apply(self._conn, batch[0])
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                for write in batch:
                    _apply(self._conn, write)
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                for write in batch:
                    try:
                        _apply(self._conn, write)
                    except sqlite3.Error as exc:
                        write.error = exc

    def _write(self, name: str, params: groupcommit.Params) -> groupcommit.Write:
        return self._writes.submit(self._q[name], params)

    def _read(self, sql: str, params: groupcommit.Params) -> list[sqlite3.Row]:
        """Run a query on the read connection, which never waits behind the writer."""
        with self._read_lock:
            rows: list[sqlite3.Row] = self._reader.execute(sql, params).fetchall()
            return rows

    def _fenced(self, name: str, params: Sequence[Any], fence: base.Fence) -> None:
        if self._write(name, params).rowcount != 1:
            raise errors.LeaseLost(fence.workflow_id)

    # -- workflows -------------------------------------------------------------------------

    def create_workflow(
        self, new: base.NewWorkflow, now: float
    ) -> tuple[base.WorkflowRecord, bool]:
        """See `Store.create_workflow`."""
        params = base.shallow(new)
        params["now"] = now
        rows = self._write("create_workflow", params).rows
        if rows:
            return _record(rows[0]), True
        record = self.get_workflow(new.id)
        if record is None:
            raise errors.PodiumError(f"workflow {new.id!r} was neither created nor found")
        return record, False

    def get_workflow(self, workflow_id: str) -> base.WorkflowRecord | None:
        """See `Store.get_workflow`."""
        rows = self._read(self._q["get_workflow"], (workflow_id,))
        return _record(rows[0]) if rows else None

    def list_workflows(
        self,
        *,
        status: str | None = None,
        workflow: str | None = None,
        queue: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[base.WorkflowRecord]:
        """See `Store.list_workflows`."""
        clauses, params = [], []
        for column, value in (("status", status), ("workflow", workflow), ("queue", queue)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = (
            f"SELECT * FROM podium_workflows {where} "
            "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        )
        rows = self._read(sql, (*params, limit, offset))
        return [_record(row) for row in rows]

    # -- claiming and leases ---------------------------------------------------------------

    def claim(
        self, owner: str, queues: Sequence[str], limit: int, now: float, lease_seconds: float
    ) -> list[base.Claim]:
        """See `Store.claim`; queues with limits are claimed through `podium.store.queues`."""
        return queue_limits.claim_any(
            self.connector, self._claim_plain, owner, queues, limit, now, lease_seconds
        )

    def _claim_plain(
        self, owner: str, queues: Sequence[str], limit: int, now: float, lease_seconds: float
    ) -> list[base.Claim]:
        sql = self._claim_sql.get(len(queues))
        if sql is None:
            sql = self._q["claim"].replace("{queues}", ", ".join("?" * len(queues)))
            self._claim_sql[len(queues)] = sql
        rows = self._writes.submit(sql, (owner, now + lease_seconds, now, now, *queues, limit)).rows
        return [_claim(row) for row in rows]

    def claim_one(
        self, workflow_id: str, owner: str, now: float, lease_seconds: float
    ) -> base.Claim | None:
        """See `Store.claim_one`."""
        if queue_limits.any_limited(self.connector):
            limited = queue_limits.claim_one(self.connector, workflow_id, owner, now, lease_seconds)
            if limited is not None:
                return limited[0] if limited else None
        rows = self._write("claim_one", (owner, now + lease_seconds, now, workflow_id, now)).rows
        return _claim(rows[0]) if rows else None

    def renew_leases(
        self, owner: str, workflow_ids: Sequence[str], now: float, lease_seconds: float
    ) -> int:
        """See `Store.renew_leases`."""
        if not workflow_ids:
            return 0
        params = {
            "lease_until": now + lease_seconds,
            "owner": owner,
            "ids": json.dumps(list(workflow_ids)),
        }
        return self._write("renew_leases", params).rowcount

    def wake(self, workflow_id: str, now: float) -> bool:
        """See `Store.wake`."""
        return self._write("wake", {"id": workflow_id, "now": now}).rowcount == 1

    # -- history ---------------------------------------------------------------------------

    def load_history(self, workflow_id: str) -> list[base.HistoryEvent]:
        """See `Store.load_history`."""
        rows = self._read(self._q["load_history"], (workflow_id,))
        return [base.HistoryEvent(*row) for row in rows]

    def load_attempts(self, workflow_id: str) -> list[base.Attempt]:
        """See `Store.load_attempts`."""
        rows = self._read(self._q["load_attempts"], (workflow_id,))
        return [base.Attempt(*row) for row in rows]

    def append_history(self, fence: base.Fence, event: base.HistoryEvent) -> None:
        """See `Store.append_history`."""
        params = (
            event.workflow_id,
            event.seq,
            event.kind,
            event.name,
            event.status,
            event.payload,
            event.attempt,
            event.started_at,
            event.finished_at,
            fence.workflow_id,
            fence.owner,
            fence.epoch,
        )
        self._fenced("append_history", params, fence)

    def record_attempt(self, fence: base.Fence, attempt: base.Attempt) -> None:
        """See `Store.record_attempt`."""
        params = (
            attempt.workflow_id,
            attempt.seq,
            attempt.attempt,
            attempt.name,
            attempt.error_type,
            attempt.error_message,
            attempt.started_at,
            attempt.finished_at,
            attempt.retry_at,
            fence.workflow_id,
            fence.owner,
            fence.epoch,
        )
        self._fenced("record_attempt", params, fence)

    # -- ends of a run ---------------------------------------------------------------------

    def suspend(self, fence: base.Fence, wake_at: float | None, now: float) -> None:
        """See `Store.suspend`."""
        self._fenced("suspend", (wake_at, now, *_fence(fence)), fence)

    def release(self, fence: base.Fence, now: float) -> None:
        """See `Store.release`."""
        self._fenced("release", (now, now, *_fence(fence)), fence)

    def finish(self, fence: base.Fence, outcome: base.Outcome, now: float) -> None:
        """See `Store.finish`."""
        params = (
            outcome.status,
            outcome.output,
            outcome.error_type,
            outcome.error_message,
            outcome.error_traceback,
            now,
            *_fence(fence),
        )
        self._fenced("finish", params, fence)

    def cancel(self, workflow_id: str, now: float) -> base.WorkflowRecord | None:
        """See `Store.cancel`."""
        self._write("cancel", (now, workflow_id))
        return self.get_workflow(workflow_id)

    def resume(self, workflow_id: str, now: float) -> base.WorkflowRecord | None:
        """See `Store.resume`."""
        with self._transaction() as conn:
            if conn.execute(self._q["resume"], (now, now, workflow_id)).rowcount == 1:
                conn.execute(self._q["drop_open_attempts"], (workflow_id, workflow_id))
                conn.execute(self._q["drop_failed_tail"], (workflow_id, workflow_id))
        return self.get_workflow(workflow_id)

    def subscribe(self, listener: base.Listener) -> Callable[[], None]:
        """SQLite has no push notifications: other processes' changes are found by polling."""
        return lambda: None

    def close(self) -> None:
        """Stop the checkpointer and close the connections."""
        if self._checkpointer is not None:
            self._checkpointer.close()
        with self._read_lock:
            self._reader.close()
        with self._lock:
            self._conn.close()


class _Connector:
    """The `Connector` of a SQLiteStore: writes join its group commit, reads its reader."""

    dialect = DIALECT

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    def execute(self, sql: str, params: Mapping[str, Any]) -> base.Result:
        """See `Connector.execute`."""
        write = self._store._writes.submit(sql, params)
        return base.Result([dict(row) for row in write.rows], write.rowcount)

    def query(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """See `Connector.query`."""
        return [dict(row) for row in self._store._read(sql, params)]

    @contextmanager
    def transaction(self) -> Iterator[base.Execute]:
        """See `Connector.transaction`."""

        def run(sql: str, params: Mapping[str, Any]) -> base.Result:
            cursor = conn.execute(sql, params)
            rows = [dict(row) for row in cursor.fetchall()]
            return base.Result(rows, cursor.rowcount)

        with self._store._transaction() as conn:
            yield run


class _Checkpointer:
    """Copies the WAL back into the database from a background thread.

    SQLite would otherwise checkpoint inside whichever commit crosses the WAL size limit,
    adding milliseconds to that one commit (the p99 of step latency).
    """

    INTERVAL = 0.25

    def __init__(self, path: str, busy_timeout: float) -> None:
        self._conn = _connect(path, busy_timeout)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="podium-checkpoint", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                continue

    def close(self) -> None:
        """Run a last checkpoint and stop."""
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            pass
        self._conn.close()


def _connect(path: str, busy_timeout: float) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
        )
    except sqlite3.Error as exc:
        raise errors.ConfigurationError(
            f"cannot open SQLite database {path!r}: {exc}; check the path and permissions"
        ) from None
    conn.row_factory = sqlite3.Row
    return conn


def _apply(conn: sqlite3.Connection, write: groupcommit.Write) -> None:
    cursor = conn.execute(write.sql, write.params)
    write.rows = cursor.fetchall()
    write.rowcount = cursor.rowcount


def _fence(fence: base.Fence) -> tuple[str, str, int]:
    return fence.workflow_id, fence.owner, fence.epoch


_RECORD_FIELDS = [f.name for f in dataclasses.fields(base.WorkflowRecord)]


def _record(row: sqlite3.Row) -> base.WorkflowRecord:
    # The table's first columns are the record's fields in order (checked by _check_columns).
    return base.WorkflowRecord(*row[: len(_RECORD_FIELDS)])


def _check_columns(conn: sqlite3.Connection) -> None:
    cursor = conn.execute("SELECT * FROM podium_workflows LIMIT 0")
    names = [column[0] for column in cursor.description][: len(_RECORD_FIELDS)]
    if names != _RECORD_FIELDS:
        raise errors.SchemaVersionError(
            f"podium_workflows columns {names} do not match this podium's records; "
            "the database was changed outside podium"
        )


def _claim(row: sqlite3.Row) -> base.Claim:
    record = _record(row)
    fence = base.Fence(record.id, record.lease_owner or "", record.lease_epoch)
    return base.Claim(record=record, fence=fence, takeover=row["claimed_from"] == "running")


def _statements(script: str) -> Iterator[str]:
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer
            buffer = ""
    if buffer.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()
    ):
        yield buffer
