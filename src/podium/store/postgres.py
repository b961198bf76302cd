"""The scaled-out store: PostgreSQL through psycopg 3 and a connection pool.

Any number of worker processes on any number of machines share one database. Each call is
a single autocommit statement on a pooled connection wherever possible (one round trip per
checkpoint); the fence check sits inside the same statement and reads the workflow row
`FOR SHARE`, so a takeover and a stale write are always ordered. Claims use
`FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait for each other.

URL: `postgresql://user@host:5432/db?schema=NAME&pool_max=N` (or `postgres://`). `schema=`
puts every podium table in that schema, created if missing; without it they live in the
connection's default schema (public, or the first one an `options=-csearch_path=...` names).
`pool_max` caps the pool (default 10 connections); other parameters go to libpq unchanged.

Connection faults: an `OperationalError` (a dropped connection, a restarted server) during an
idempotent call (get/list/load, renew_leases) is retried once on a fresh connection. Any other
write lets it propagate: the engine treats it as a worker error and the lease machinery
recovers the workflow; the pool drops the broken connection and checks the others first.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
import psycopg_pool
from psycopg import conninfo, rows, sql

from podium import errors
from podium.store import base, migrate, postgres_notify, queries
from podium.store import queues as queue_limits

DIALECT = "postgres"
POOL_MIN = 1
POOL_MAX = 10
CONNECT_TIMEOUT = 10
_SCHEMA_NAME = re.compile(r"(?!pg_)[a-z_][a-z0-9_]{0,62}")

Row = dict[str, Any]
T = TypeVar("T")
Fetch = Callable[[psycopg.Cursor[Row]], T]


class PostgresStore:
    """`Store` on a PostgreSQL database; podium's tables live in one schema of it."""

    def __init__(self, url: str, *, schema: str | None = None, pool_max: int = POOL_MAX):
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise errors.ConfigurationError(
                f"PostgreSQL schema name {schema!r} is not a plain lower-case identifier "
                "(letters, digits, underscores; at most 63; not pg_...); choose one like 'podium'"
            )
        if pool_max < POOL_MIN:
            raise errors.ConfigurationError(f"pool_max={pool_max} must be at least {POOL_MIN}")
        self._q = queries.load(DIALECT)
        self._conninfo = _conninfo(url, schema)
        self._redacted = _redact(url)
        self.schema = self._migrate(schema)
        """The schema holding podium's tables (the connection's default unless `schema=`)."""
        self._pool = psycopg_pool.ConnectionPool(
            self._conninfo,
            connection_class=psycopg.Connection[Row],
            min_size=POOL_MIN,
            max_size=pool_max,
            kwargs={"autocommit": True, "row_factory": rows.dict_row},
            name="podium",
            open=True,
        )
        self.connector = _Connector(self)
        self._notifications = postgres_notify.NotificationListener(self._conninfo, self.schema)
        """Where feature stores run their SQL (see `base.Connector`)."""

    # -- schema ----------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Row]:
        try:
            return psycopg.connect(self._conninfo, autocommit=True, row_factory=rows.dict_row)
        except psycopg.OperationalError as exc:
            raise errors.ConfigurationError(
                f"cannot connect to PostgreSQL at {self._redacted!r}: {str(exc).strip()}; "
                "check the URL and that the server is running"
            ) from None

    def _migrate(self, schema: str | None) -> str:
        """Create the schema and apply pending migrations under an advisory lock; name it."""
        with self._connect() as conn, conn.transaction():
            conn.execute(self._q["migrate_lock"], {"key": f"podium-migrate:{schema or ''}"})
            if schema is not None:
                name = sql.Identifier(schema)
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
            current = _first(conn.execute(self._q["current_schema"]))["schema"]
            if current is None:
                raise errors.ConfigurationError(
                    f"PostgreSQL URL {self._redacted!r}: its search_path names no existing "
                    "schema; create that schema, or add ?schema=NAME and podium creates it"
                )
            conn.execute(self._q["schema_table"])
            applied = {row["version"] for row in conn.execute(self._q["schema_versions"])}
            for number, name_, script in migrate.pending(DIALECT, applied):
                conn.execute(script)
                params = {"version": number, "name": name_, "now": time.time()}
                conn.execute(self._q["record_migration"], params)
        return str(current)

    # -- running statements ----------------------------------------------------------------

    def _run(self, name: str, params: dict[str, Any], fetch: Fetch[T]) -> T:
        """Execute one autocommit statement and fetch from it; a fault propagates."""
        return self._execute(self._q[name], params, fetch)

    def _execute(self, query: str, params: Mapping[str, Any], fetch: Fetch[T]) -> T:
        try:
            with self._pool.connection() as conn:
                return fetch(conn.execute(query, params))
        except psycopg_pool.PoolTimeout:
            raise
        except psycopg.OperationalError:
            self._pool.check()  # drop the other broken connections before the next call
            raise

    def _retrying(self, call: Callable[[], T]) -> T:
        """Run an idempotent `call`, once more on a fresh connection after a fault."""
        try:
            return call()
        except psycopg_pool.PoolTimeout:
            raise
        except psycopg.OperationalError:
            return call()

    def _rows(self, name: str, params: dict[str, Any]) -> list[Row]:
        return self._retrying(lambda: self._run(name, params, _all))

    def _fenced(self, name: str, params: dict[str, Any], fence: base.Fence) -> None:
        # One autocommit statement per checkpoint, deliberately not batched: a transaction
        # holding several workflow rows could deadlock with a lease renewal (which updates
        # several rows), and PostgreSQL would abort the whole batch.
        if self._run(name, {**params, **_fence(fence)}, _count) != 1:
            raise errors.LeaseLost(fence.workflow_id)

    # -- workflows -------------------------------------------------------------------------

    def create_workflow(
        self, new: base.NewWorkflow, now: float
    ) -> tuple[base.WorkflowRecord, bool]:
        """See `Store.create_workflow`."""
        params = {**base.shallow(new), "now": now}
        row = self._run("create_workflow", params, _one)
        if row is not None:
            return _record(row), True
        record = self.get_workflow(new.id)
        if record is None:
            raise errors.PodiumError(f"workflow {new.id!r} was neither created nor found")
        return record, False

    def get_workflow(self, workflow_id: str) -> base.WorkflowRecord | None:
        """See `Store.get_workflow`."""
        found = self._rows("get_workflow", {"id": workflow_id})
        return _record(found[0]) if found else None

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
        filters = {"status": status, "workflow": workflow, "queue": queue}
        params: dict[str, Any] = {k: v for k, v in filters.items() if v is not None}
        where = " AND ".join(f"{column} = %({column})s" for column in params)
        query = (
            f"SELECT * FROM podium_workflows {'WHERE ' + where if where else ''} "
            "ORDER BY created_at DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s"
        )
        params.update(limit=limit, offset=offset)
        found = self._retrying(lambda: self._execute(query, params, _all))
        return [_record(row) for row in found]

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
        params = {
            "owner": owner,
            "queues": list(queues),
            "limit": limit,
            "now": now,
            "lease_until": now + lease_seconds,
        }
        return [_claim(row) for row in self._run("claim", params, _all)]

    def claim_one(
        self, workflow_id: str, owner: str, now: float, lease_seconds: float
    ) -> base.Claim | None:
        """See `Store.claim_one`."""
        if queue_limits.any_limited(self.connector):
            limited = queue_limits.claim_one(self.connector, workflow_id, owner, now, lease_seconds)
            if limited is not None:
                return limited[0] if limited else None
        params = {"id": workflow_id, "owner": owner, "now": now, "lease_until": now + lease_seconds}
        row = self._run("claim_one", params, _one)
        return _claim(row) if row is not None else None

    def renew_leases(
        self, owner: str, workflow_ids: Sequence[str], now: float, lease_seconds: float
    ) -> int:
        """See `Store.renew_leases`; idempotent, so retried once after a connection fault."""
        if not workflow_ids:
            return 0
        params = {"owner": owner, "ids": list(workflow_ids), "lease_until": now + lease_seconds}
        return self._retrying(lambda: self._run("renew_leases", params, _count))

    def wake(self, workflow_id: str, now: float) -> bool:
        """See `Store.wake`."""
        return self._run("wake", {"id": workflow_id, "now": now}, _count) == 1

    # -- history ---------------------------------------------------------------------------

    def load_history(self, workflow_id: str) -> list[base.HistoryEvent]:
        """See `Store.load_history`."""
        return [base.HistoryEvent(**row) for row in self._rows("load_history", {"id": workflow_id})]

    def load_attempts(self, workflow_id: str) -> list[base.Attempt]:
        """See `Store.load_attempts`."""
        return [base.Attempt(**row) for row in self._rows("load_attempts", {"id": workflow_id})]

    def append_history(self, fence: base.Fence, event: base.HistoryEvent) -> None:
        """See `Store.append_history`."""
        self._fenced("append_history", _fields(event), fence)

    def record_attempt(self, fence: base.Fence, attempt: base.Attempt) -> None:
        """See `Store.record_attempt`."""
        self._fenced("record_attempt", _fields(attempt), fence)

    # -- ends of a run ---------------------------------------------------------------------

    def suspend(self, fence: base.Fence, wake_at: float | None, now: float) -> None:
        """See `Store.suspend`."""
        self._fenced("suspend", {"wake_at": wake_at, "now": now}, fence)

    def release(self, fence: base.Fence, now: float) -> None:
        """See `Store.release`."""
        self._fenced("release", {"now": now}, fence)

    def finish(self, fence: base.Fence, outcome: base.Outcome, now: float) -> None:
        """See `Store.finish`."""
        self._fenced("finish", {**_fields(outcome), "now": now}, fence)

    def cancel(self, workflow_id: str, now: float) -> base.WorkflowRecord | None:
        """See `Store.cancel`."""
        row = self._run("cancel", {"id": workflow_id, "now": now}, _one)
        return _record(row) if row is not None else self.get_workflow(workflow_id)

    def resume(self, workflow_id: str, now: float) -> base.WorkflowRecord | None:
        """See `Store.resume`: the status change and both deletions commit as one transaction."""
        params = {"id": workflow_id, "now": now}
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(self._q["resume"], params).fetchone()
            if row is not None:
                conn.execute(self._q["drop_open_attempts"], params)
                conn.execute(self._q["drop_failed_tail"], params)
        return _record(row) if row is not None else self.get_workflow(workflow_id)

    def subscribe(self, listener: base.Listener) -> Callable[[], None]:
        """See `Store.subscribe`: LISTEN/NOTIFY on a connection of its own."""
        return self._notifications.subscribe(listener)

    def close(self) -> None:
        """Stop listening; close the pool and its connections."""
        self._notifications.close()
        self._pool.close()


class _Connector:
    """The `Connector` of a PostgresStore; feature SQL uses psycopg's %(name)s parameters.

    `execute` and `query` are one autocommit statement each (`query` is retried once after a
    connection fault, `execute` is not); `transaction` runs its statements on one connection.
    """

    dialect = DIALECT

    def __init__(self, store: PostgresStore) -> None:
        self._store = store

    def execute(self, sql: str, params: Mapping[str, Any]) -> base.Result:
        """See `Connector.execute`."""
        return self._store._execute(sql, params, _result)

    def query(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """See `Connector.query`."""
        return self._store._retrying(lambda: self._store._execute(sql, params, _all))

    @contextmanager
    def transaction(self) -> Iterator[base.Execute]:
        """See `Connector.transaction`."""
        with self._store._pool.connection() as conn, conn.transaction():

            def run(sql: str, params: Mapping[str, Any]) -> base.Result:
                return _result(conn.execute(sql, params))

            yield run


def _result(cursor: psycopg.Cursor[Row]) -> base.Result:
    rows = cursor.fetchall() if cursor.description is not None else []
    return base.Result(rows, cursor.rowcount)


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


def _redact(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _all(cursor: psycopg.Cursor[Row]) -> list[Row]:
    return cursor.fetchall()


def _one(cursor: psycopg.Cursor[Row]) -> Row | None:
    return cursor.fetchone()


def _count(cursor: psycopg.Cursor[Row]) -> int:
    return cursor.rowcount


def _first(cursor: psycopg.Cursor[Row]) -> Row:
    row = cursor.fetchone()
    assert row is not None, "a query that always returns a row returned none"
    return row


def _fence(fence: base.Fence) -> dict[str, Any]:
    return {
        "fence_id": fence.workflow_id,
        "fence_owner": fence.owner,
        "fence_epoch": fence.epoch,
    }


def _fields(record: base.HistoryEvent | base.Attempt | base.Outcome) -> dict[str, Any]:
    return {name: getattr(record, name) for name in type(record).__dataclass_fields__}


_RECORD_FIELDS = list(base.WorkflowRecord.__dataclass_fields__)


def _record(row: Row) -> base.WorkflowRecord:
    return base.WorkflowRecord(**{name: row[name] for name in _RECORD_FIELDS})


def _claim(row: Row) -> base.Claim:
    record = _record(row)
    fence = base.Fence(record.id, record.lease_owner or "", record.lease_epoch)
    return base.Claim(record=record, fence=fence, takeover=row["claimed_from"] == "running")
