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
alone. A child's end (its row, its parent's wake-up) is one write of several statements that
commit together, keyed by the parent's id, whose row it locks first (`_finish_child`), then
its own row: the ends of one parent's children are ordered by that (`Write.row`), so they
take the children's rows in id order too; they lock the parent, and lock and read its
wait, only once.
Such an end may carry its worker's next claim (`CLAIM_WITH_END`): the claims of a batch run
as one statement after all its other statements, so a claim, which never waits for a lock
(SKIP LOCKED), holds the rows it takes only while the batch commits, as a claim of its own
placed last (`CLAIMS_LAST`) does.
"""

from __future__ import annotations

import logging
import operator
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any, NamedTuple, cast

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
_LOCK_ORDER = operator.attrgetter("key", "row")
"""The order of a batch's writes: by the row each locks first, then by the one it locks next
(the ends of one parent's children lock their rows in id order, as a cancel of the parent's
descendants does; in the order they came, two of them deadlocked with such a cancel)."""
ABORT_RETRIES = 3
"""How many times a pipelined transaction that PostgreSQL aborted (deadlock) is run again."""
log = logging.getLogger("podium.store")
_SCHEMA_NAME = re.compile(r"(?!pg_)[a-z_][a-z0-9_]{0,62}")

Row = dict[str, Any]


def schema_exists(conninfo: str, schema: str) -> bool:
    """Whether the database `conninfo` names has a schema called `schema` (nothing is created)."""
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
            return found.fetchone() is not None
    except psycopg.OperationalError as exc:
        raise _connect_error(urls.redact(conninfo), exc) from None


def _connect_error(redacted: str, exc: psycopg.OperationalError) -> errors.ConfigurationError:
    """What a failed connection to `redacted` raises: unavailable (retry) or misconfigured."""
    kind = errors.StoreUnavailable if _unavailable(str(exc)) else errors.ConfigurationError
    return kind(
        f"cannot connect to PostgreSQL at {redacted!r}: {str(exc).strip()}; "
        "check the URL and that the server is running"
    )


class PostgresStore(workflows.WorkflowStore):
    """`Store` on a PostgreSQL database; podium's tables live in one schema of it."""

    CLAIM_WITH_END = True
    """A child's end carries its worker's next claim, run last in the end's transaction."""

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

    def _write_unit(
        self,
        statements: Sequence[workflows.Statement],
        key: str,
        head: int = 0,
        tail: int = 0,
        merge: str = "",
        row: str = "",
    ) -> list[base.Result]:
        """Statements that commit together (a child's end) join the group commit as one write.

        `key` is the row they lock first (a child's end locks its parent's row first); the
        first `head` and last `tail` statements are shared with the other units of the key
        in the batch (see `groupcommit.Write.head`). With `merge`, the first statement is a
        claim, run after every other statement of the transaction, as one with the batch's
        alike claims (see `_Connector._commit_batch`).
        """
        (sql, params), more = statements[0], statements[1:]
        write = self._connector.writes.submit(
            groupcommit.Write(sql, params, key, more, head=head, tail=tail, merge=merge, row=row)
        )
        return [
            base.Result(write.rows, write.rowcount),
            *(base.Result(rows, count) for rows, count in write.results),
        ]

    def _write_claim(self, sql: str, params: Mapping[str, Any]) -> base.Result:
        """A claim joins the group commit, last in its batch (see `CLAIMS_LAST`)."""
        return self._connector.batched(sql, params, CLAIMS_LAST)

    def _connect(self) -> psycopg.Connection[Row]:
        try:
            return psycopg.connect(self._conninfo, autocommit=True, row_factory=rows.dict_row)
        except psycopg.OperationalError as exc:
            raise _connect_error(self._redacted, exc) from None

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
        self.writes = groupcommit.GroupCommit(self._commit_batch)
        """The group commit that fenced writes join (`batched`, `PostgresStore._write_unit`)."""

    def batched(self, sql: str, params: Mapping[str, Any], key: str) -> base.Result:
        """Run a write in the next group commit, its locks taken in `key` order (a row's id)."""
        write = self.writes.submit(groupcommit.Write(sql, params, key))
        return base.Result(write.rows, write.rowcount)

    def _commit_batch(self, batch: list[groupcommit.Write]) -> None:
        """Commit `batch` in one pipelined transaction, its row locks taken in `key` order.

        The claims that writes carry (`Write.merge`) run after everything else, alike ones as
        one statement (`groupcommit.alike_claims`): a claim skips locked rows, so it never
        waits, and last it holds the rows it takes only while the batch commits (see
        `CLAIMS_LAST`). A single write runs alone in autocommit. A batch that PostgreSQL
        aborted (deadlock, serialization failure, a statement's error) wrote nothing: each
        write runs again alone and keeps its own outcome. A connection fault fails every
        write of the batch, as it would have failed each alone (whether the commit happened
        is unknown).
        """
        if len(batch) == 1:
            self._apply(batch[0])
            return
        ordered = sorted(batch, key=_LOCK_ORDER)  # stable: one row keeps its writes' order
        parts = _parts(ordered)
        claims = groupcommit.alike_claims(
            [write for write in ordered if write.merge], operator.attrgetter("merge")
        )
        try:
            with self._pool.connection() as conn:
                sent = [statement for part in parts for statement in part.sent]
                sent += [(claim.sql, claim.params) for claim in claims]
                cursors = iter(_pipelined_transaction(conn, sent))
                shared: list[tuple[list[Row], int]] = []
                for write, part in zip(ordered, parts, strict=True):
                    results = [(_fetched(c), c.rowcount) for c in islice(cursors, len(part.sent))]
                    if part.shares_head:
                        results[:0] = shared[: write.head]
                    if part.shares_tail:
                        results += [([], 0)] * write.tail
                    shared = results
                    if write.merge:  # its claim's rows are dealt below
                        write.results = results
                    else:
                        (write.rows, write.rowcount), *write.results = results
                for claim in claims:
                    claim.deal(_fetched(next(cursors)))
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
                    cursors = _pipelined_transaction(conn, statements)
                    return [_result(cursor) for cursor in cursors]
            except psycopg.OperationalError as exc:
                if not _rolled_back(exc) or attempt == ABORT_RETRIES:
                    self._pool.check()
                    raise
                log.warning("a transaction was aborted (%s); running it again", exc)
        raise AssertionError("unreachable")

    def _apply(self, write: groupcommit.Write) -> None:
        """Run `write` alone: autocommit, or one pipelined transaction with its `more`.

        A claim it carries (`Write.merge`) runs last, as in a batch.
        """
        params = cast(Mapping[str, Any], write.params)
        if write.more:
            more = [(sql, cast(Mapping[str, Any], p)) for sql, p in write.more]
            if write.merge:
                *rest, first = self.pipeline([*more, (write.sql, params)])
            else:
                first, *rest = self.pipeline([(write.sql, params), *more])
            write.rows, write.rowcount = first
            write.results = [(result.rows, result.rowcount) for result in rest]
            return
        result = self._once(write.sql, params)
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


class _Part(NamedTuple):
    """What one write of a batch sends: its statements less those it shares with neighbours."""

    sent: list[tuple[str, groupcommit.Params]]
    shares_head: bool
    """Its first `head` statements were sent for the write before it: it takes their results."""
    shares_tail: bool
    """Its last `tail` statements are sent for the write after it: it gets empty results."""


def _parts(ordered: list[groupcommit.Write]) -> list[_Part]:
    """The statements each write of `ordered` (sorted by key) sends (see `Write.head`).

    A claim a write carries (`Write.merge`) is not among them: `_commit_batch` sends it.
    Writes of one key next to each other that start (end) with the same `head` (`tail`)
    statements send them once: the head with the first of them, the tail with the last.
    """
    statements = [[(w.sql, w.params), *w.more][1 if w.merge else 0 :] for w in ordered]
    joined = [
        _shares(ordered[i], ordered[i + 1], statements[i], statements[i + 1])
        for i in range(len(ordered) - 1)
    ]
    parts = []
    for i, (write, mine) in enumerate(zip(ordered, statements, strict=True)):
        head = i > 0 and joined[i - 1]
        tail = i < len(joined) and joined[i]
        end = len(mine) - write.tail if tail else len(mine)
        parts.append(_Part(mine[write.head if head else 0 : end], head, tail))
    return parts


def _shares(
    a: groupcommit.Write,
    b: groupcommit.Write,
    mine: list[tuple[str, groupcommit.Params]],
    theirs: list[tuple[str, groupcommit.Params]],
) -> bool:
    """Whether writes `a` and `b`, next in a batch, share their head and tail statements."""
    if not (a.head or a.tail) or (a.key, a.head, a.tail) != (b.key, b.head, b.tail):
        return False
    if a.head + a.tail > min(len(mine), len(theirs)):
        return False
    ends = [*range(a.head), *range(-a.tail, 0)]
    return all(mine[i][0] == theirs[i][0] for i in ends)


def _pipelined_transaction(
    conn: psycopg.Connection[Row], statements: Sequence[tuple[str, groupcommit.Params]]
) -> list[psycopg.Cursor[Row]]:
    """Run `statements` as one transaction in one round trip on autocommit `conn`; the cursors.

    BEGIN and COMMIT are plain statements of the pipeline rather than `conn.transaction()`,
    whose bookkeeping costs more client CPU than the writes of a small batch. A failed batch
    is rolled back here, so the connection goes back to the pool idle.
    """
    try:
        with conn.pipeline():
            conn.execute("BEGIN")
            cursors = [conn.execute(sql, params) for sql, params in statements]
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
