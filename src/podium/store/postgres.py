"""The scaled-out store: PostgreSQL through psycopg 3 and a connection pool.

The verbs are `WorkflowStore`'s; this module keeps what is PostgreSQL's own. Any number of
worker processes on any number of machines share one database. Each call is a single
autocommit statement on a pooled connection wherever possible (one round trip per
checkpoint); the fence check sits inside the same statement and reads the workflow row
`FOR SHARE`, so a takeover and a stale write are always ordered. Claims use
`FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait for each other.

URL: `postgresql://user@host:5432/db?schema=NAME&pool_max=N` (or `postgres://`). `schema=`
puts every podium table in that schema, created if missing; without it they live in the
connection's default schema (public, or the first one an `options=-csearch_path=...` names).
`pool_max` caps the pool (default 10 connections); other parameters go to libpq unchanged.

Connection faults: an `OperationalError` (a dropped connection, a restarted server) during an
idempotent call (reads, renew_leases) is retried once on a fresh connection. Any other
write lets it propagate: the engine treats it as a worker error and the lease machinery
recovers the workflow; the pool drops the broken connection and checks the others first.

Group commit: fenced writes that lock one workflow row each (history appends, attempts, a
run's end) made by threads at the same moment share one transaction, sent as one pipeline
(one round trip, one WAL flush); so do claims, placed last. A batch takes its row locks in
workflow id order, the one order every statement that locks several workflow rows uses
(lease renewals, event wake-ups, cancelling descendants), so two of them never wait for
each other in a cycle. Should PostgreSQL still abort a batch (a deadlock with some other
statement, a serialization failure), nothing of it was written and each write is run again
alone. A child's end is one pipelined transaction too (`_finish_child`).
"""

from __future__ import annotations

import logging
import operator
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

import psycopg
import psycopg_pool
import psycopg_pool.base
from psycopg import conninfo, pq, rows, sql

from podium import errors
from podium.store import base, groupcommit, migrate, postgres_notify, queries, urls, workflows

DIALECT = "postgres"
POOL_MIN = 1
POOL_MAX = 10
CONNECT_TIMEOUT = 10
RECONNECT_DELAY = 0.1
"""Seconds before the pool's first attempt to replace a connection lost in an outage."""
RECONNECT_MAX_DELAY = 0.5
"""The longest the pool waits between reconnection attempts: work resumes within about this
long after the database is back (psycopg_pool's own backoff doubles up to minutes)."""
POOL_TIMEOUT = 60.0
"""How long a call waits for a pooled connection (an outage) before it fails."""
CLAIMS_LAST = "\U0010ffff"
"""The batch key of a claim: after every workflow id. A claim skips locked rows (it never
waits), and placed last it holds the rows it takes only while its batch commits, so a batch
never waits for a lock while holding rows that someone else may be waiting for unordered."""
ABORT_RETRIES = 3
"""How many times a pipelined transaction that PostgreSQL aborted (deadlock) is run again."""
log = logging.getLogger("podium.store")
_SCHEMA_NAME = re.compile(r"(?!pg_)[a-z_][a-z0-9_]{0,62}")

Row = dict[str, Any]


class PostgresStore(workflows.WorkflowStore):
    """`Store` on a PostgreSQL database; podium's tables live in one schema of it."""

    def __init__(self, url: str, *, schema: str | None = None, pool_max: int = POOL_MAX):
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise errors.ConfigurationError(
                f"PostgreSQL schema name {schema!r} is not a plain lower-case identifier "
                "(letters, digits, underscores; at most 63; not pg_...); choose one like 'podium'"
            )
        if pool_max < POOL_MIN:
            raise errors.ConfigurationError(f"pool_max={pool_max} must be at least {POOL_MIN}")
        self._conninfo = _conninfo(url, schema)
        self._redacted = urls.redact(url)
        self.schema = self._migrate(schema)
        """The schema holding podium's tables (the connection's default unless `schema=`)."""
        self._pool = _Pool(
            self._conninfo,
            connection_class=psycopg.Connection[Row],
            min_size=POOL_MIN,
            max_size=pool_max,
            kwargs={"autocommit": True, "row_factory": rows.dict_row},
            name="podium",
            timeout=POOL_TIMEOUT,
            open=True,
        )
        self._notifications = postgres_notify.NotificationListener(self._conninfo, self.schema)
        self._connector = _Connector(self._pool)
        super().__init__(self._connector)

    def _write_one(self, sql: str, params: Mapping[str, Any], workflow_id: str) -> base.Result:
        """A write locking only `workflow_id`'s row joins the group commit (see the module)."""
        return self._connector.batched(sql, params, workflow_id)

    def _finish_child(
        self,
        params: dict[str, Any],
        parent_id: str,
        now: float,
        history: Sequence[base.HistoryEvent] = (),
    ) -> bool:
        """A child's end and its parent's wake-up: one transaction, one round trip.

        The parent's row is locked (FOR KEY SHARE) before the child's end is written, and a
        parent storing its wait locks that row FOR UPDATE first (`set_wait`): so either the
        wait commits first and the later statements here (each with a fresh snapshot) see it,
        or the wait waits for this commit and the parent's next look sees this end. The wait
        row is then locked, so of two children ending at once the later counts both ends, and
        the parent is woken only if few enough of its children are still open.

        One held history row joins the end's statement (`finish_appending`); more take the
        common path's transaction.
        """
        if len(history) > 1:
            return super()._finish_child(params, parent_id, now, history)
        q = self._q
        parent = {"parent_id": parent_id, "now": now}
        end = (q["finish"], params)
        if history:
            end = (q["finish_appending"], {**params, **workflows.appended(history[0])})
        _lock, finished, _wait, woken = self._connector.pipeline(
            [
                (q["lock_parent"], parent),
                end,
                (q["lock_child_wait"], parent),
                (q["wake_if_due"], parent),
            ]
        )
        if finished.rowcount != 1:
            raise errors.LeaseLost(params["fence_id"])  # the parent was at most woken early
        return woken.rowcount == 1

    def _write_claim(self, sql: str, params: Mapping[str, Any]) -> base.Result:
        """A claim joins the group commit, last in its batch (see `CLAIMS_LAST`)."""
        return self._connector.batched(sql, params, CLAIMS_LAST)

    def _connect(self) -> psycopg.Connection[Row]:
        try:
            return psycopg.connect(self._conninfo, autocommit=True, row_factory=rows.dict_row)
        except psycopg.OperationalError as exc:
            kind = errors.StoreUnavailable if _unavailable(str(exc)) else errors.ConfigurationError
            raise kind(
                f"cannot connect to PostgreSQL at {self._redacted!r}: {str(exc).strip()}; "
                "check the URL and that the server is running"
            ) from None

    def _migrate(self, schema: str | None) -> str:
        """Create the schema and apply pending migrations under an advisory lock; name it."""
        q = queries.load(DIALECT, "migrate")
        with self._connect() as conn, conn.transaction():
            conn.execute(q["migrate_lock"], {"key": f"podium-migrate:{schema or ''}"})
            if schema is not None:
                name = sql.Identifier(schema)
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
            current = _first(conn.execute(q["current_schema"]))["schema"]
            if current is None:
                raise errors.ConfigurationError(
                    f"PostgreSQL URL {self._redacted!r}: its search_path names no existing "
                    "schema; create that schema, or add ?schema=NAME and podium creates it"
                )
            conn.execute(q["schema_table"])
            applied = {row["version"] for row in conn.execute(q["schema_versions"])}
            for number, name_, script in migrate.pending(DIALECT, applied):
                conn.execute(script)
                params = {"version": number, "name": name_, "now": time.time()}
                conn.execute(q["record_migration"], params)
        return str(current)

    def subscribe(self, listener: base.Listener) -> Callable[[], None]:
        """See `Store.subscribe`: LISTEN/NOTIFY on a connection of its own."""
        return self._notifications.subscribe(listener)

    def close(self) -> None:
        """Stop listening; close the pool and its connections."""
        self._notifications.close()
        self._pool.close()


class _QuickReconnect(psycopg_pool.base.AttemptWithBackoff):
    """Reconnection attempts every `RECONNECT_MAX_DELAY` at most, however long the outage."""

    INITIAL_DELAY = RECONNECT_DELAY

    def update_delay(self, now: float) -> None:
        """The next delay: psycopg_pool's backoff, capped."""
        super().update_delay(now)
        self.delay = min(self.delay, RECONNECT_MAX_DELAY)


class _Pool(psycopg_pool.ConnectionPool[psycopg.Connection[Row]]):
    """psycopg_pool's pool, reconnecting quickly after an outage (see `_QuickReconnect`)."""

    def _add_connection(
        self, attempt: psycopg_pool.base.AttemptWithBackoff | None, growing: bool = False
    ) -> None:
        if attempt is None:
            attempt = _QuickReconnect(timeout=self.reconnect_timeout)
        super()._add_connection(attempt, growing)


class _Connector:
    """The `Connector` of a PostgresStore: one autocommit statement per call on the pool.

    Reads, and writes marked idempotent, are retried once after a connection fault; other
    writes let it propagate. `transaction` runs its statements on one connection.
    """

    dialect = DIALECT

    def __init__(self, pool: _Pool) -> None:
        self._pool = pool
        self._writes = groupcommit.GroupCommit(self._commit_batch)

    def batched(self, sql: str, params: Mapping[str, Any], key: str) -> base.Result:
        """Run a write in the next group commit, its locks taken in `key` order (a row's id)."""
        write = self._writes.submit(sql, params, key)
        return base.Result(write.rows, write.rowcount)

    def _commit_batch(self, batch: list[groupcommit.Write]) -> None:
        """Commit `batch` in one pipelined transaction, its row locks taken in `key` order.

        A single write runs alone in autocommit. A batch that PostgreSQL aborted (deadlock,
        serialization failure, a statement's error) wrote nothing: each write runs again
        alone and keeps its own outcome. A connection fault fails every write of the batch,
        as it would have failed each alone (whether the commit happened is unknown).
        """
        if len(batch) == 1:
            self._apply(batch[0])
            return
        ordered = sorted(batch, key=operator.attrgetter("key"))  # stable: one id keeps its order
        try:
            with self._pool.connection() as conn:
                cursors = _pipelined_transaction(conn, ordered)
                for write, cursor in zip(ordered, cursors, strict=True):
                    write.rows, write.rowcount = _fetched(cursor), cursor.rowcount
        except psycopg_pool.PoolTimeout:
            raise
        except psycopg.OperationalError as exc:
            if not _rolled_back(exc):
                self._pool.check()  # drop the other broken connections before the next call
                raise
            log.warning(
                "a group commit of %d writes was aborted (%s); each runs alone", len(batch), exc
            )
            self._apply_each(ordered)
        except psycopg.Error as exc:
            log.debug("a group commit failed (%s); each write runs alone", exc)
            self._apply_each(ordered)

    def pipeline(self, statements: list[tuple[str, Mapping[str, Any]]]) -> list[base.Result]:
        """Run `statements` as one transaction sent in one round trip; their results.

        A transaction PostgreSQL aborted (a deadlock) wrote nothing and is run again.
        """
        for attempt in range(ABORT_RETRIES + 1):
            try:
                with self._pool.connection() as conn:
                    with conn.pipeline(), conn.transaction():
                        cursors = [conn.execute(sql, params) for sql, params in statements]
                    return [_result(cursor) for cursor in cursors]
            except psycopg.OperationalError as exc:
                if not _rolled_back(exc) or attempt == ABORT_RETRIES:
                    self._pool.check()
                    raise
                log.warning("a transaction was aborted (%s); running it again", exc)
        raise AssertionError("unreachable")

    def _apply(self, write: groupcommit.Write) -> None:
        result = self._once(write.sql, cast(Mapping[str, Any], write.params))
        write.rows, write.rowcount = result.rows, result.rowcount

    def _apply_each(self, batch: list[groupcommit.Write]) -> None:
        for write in batch:
            try:
                self._apply(write)
            except Exception as exc:
                write.error = exc

    def execute(
        self, sql: str, params: Mapping[str, Any], *, idempotent: bool = False
    ) -> base.Result:
        """See `Connector.execute`."""
        if idempotent:
            return self._retrying(lambda: self._once(sql, params))
        return self._once(sql, params)

    def query(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """See `Connector.query`."""
        return self._retrying(lambda: self._once(sql, params)).rows

    @contextmanager
    def transaction(self) -> Iterator[base.Execute]:
        """See `Connector.transaction`."""
        with self._pool.connection() as conn, conn.transaction():

            def run(sql: str, params: Mapping[str, Any]) -> base.Result:
                return _result(conn.execute(sql, params))

            yield run

    def array(self, values: Sequence[str]) -> object:
        """See `Connector.array`: a list, which psycopg sends as an array."""
        return list(values)

    def _once(self, sql: str, params: Mapping[str, Any]) -> base.Result:
        try:
            with self._pool.connection() as conn:
                return _result(conn.execute(sql, params))
        except psycopg_pool.PoolTimeout:
            raise
        except psycopg.OperationalError:
            self._pool.check()  # drop the other broken connections before the next call
            raise

    @staticmethod
    def _retrying(call: Callable[[], base.Result]) -> base.Result:
        """Run an idempotent `call`, once more on a fresh connection after a fault."""
        try:
            return call()
        except psycopg_pool.PoolTimeout:
            raise
        except psycopg.OperationalError:
            return call()


def _pipelined_transaction(
    conn: psycopg.Connection[Row], writes: list[groupcommit.Write]
) -> list[psycopg.Cursor[Row]]:
    """Run `writes` as one transaction in one round trip on autocommit `conn`; their cursors.

    BEGIN and COMMIT are plain statements of the pipeline rather than `conn.transaction()`,
    whose bookkeeping costs more client CPU than the writes of a small batch. A failed batch
    is rolled back here, so the connection goes back to the pool idle.
    """
    try:
        with conn.pipeline():
            conn.execute("BEGIN")
            cursors = [conn.execute(write.sql, write.params) for write in writes]
            conn.execute("COMMIT")
    except psycopg.Error:
        if not conn.closed and conn.info.transaction_status != pq.TransactionStatus.IDLE:
            conn.execute("ROLLBACK")
        raise
    return cursors


def _result(cursor: psycopg.Cursor[Row]) -> base.Result:
    return base.Result(_fetched(cursor), cursor.rowcount)


def _fetched(cursor: psycopg.Cursor[Row]) -> list[Row]:
    """The rows a statement returned ([] for one that returns none).

    Asks the result's status rather than `cursor.description`, which builds a column object
    per column on every call.
    """
    result = cursor.pgresult
    if result is None or result.status != pq.ExecStatus.TUPLES_OK:
        return []
    return cursor.fetchall()


def _rolled_back(exc: psycopg.Error) -> bool:
    """Whether PostgreSQL aborted the transaction (deadlock, serialization failure: class 40)."""
    return (exc.sqlstate or "").startswith("40")


def _conninfo(url: str, schema: str | None) -> str:
    """The libpq connection string: `url` plus podium's defaults and the schema's search_path."""
    params = conninfo.conninfo_to_dict(url)
    extra: dict[str, Any] = {}
    if "connect_timeout" not in params:
        extra["connect_timeout"] = CONNECT_TIMEOUT
    if "application_name" not in params:
        extra["application_name"] = "podium"
    if schema is not None:
        extra["options"] = f"{params.get('options') or ''} -c search_path={schema}".strip()
    return conninfo.make_conninfo(url, **extra)


_PASSING = ("starting up", "shutting down", "recovery mode", "too many clients")


def _unavailable(message: str) -> bool:
    """Whether a failed connection's `message` says the server is down (not that it refused).

    A server that answered refuses with a FATAL message (no such database, bad password),
    except while it starts, stops or is full, which passes.
    """
    return "FATAL" not in message or any(phrase in message for phrase in _PASSING)


def _first(cursor: psycopg.Cursor[Row]) -> Row:
    row = cursor.fetchone()
    assert row is not None, "a query that always returns a row returned none"
    return row
