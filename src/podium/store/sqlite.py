"""The embedded store: one SQLite file in WAL mode, safe for several processes at once.

The verbs are `WorkflowStore`'s; this module keeps what is SQLite's own. Each write is a
single autocommit statement wherever possible, so a checkpoint costs one commit, and writes
that threads make at the same moment share one commit (`groupcommit`). Reads use a second
connection that never waits behind the writer, and a background thread copies the WAL back
into the database. Several processes share the file through SQLite's own locking
(`busy_timeout` waits for the writer lock).
"""

from __future__ import annotations

import functools
import json
import operator
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

from podium import errors
from podium.store import base, groupcommit, migrate, queries, workflows

DIALECT = "sqlite"
_SYNCHRONOUS = {"normal": "NORMAL", "full": "FULL", "off": "OFF", "extra": "EXTRA"}


class SQLiteStore(workflows.WorkflowStore):
    """`Store` on a SQLite file (or `:memory:` for one process)."""

    CLAIM_WITH_END = True
    """A child's end carries its worker's next claim: one commit and one wait, not two."""

    def __init__(self, path: str, *, synchronous: str = "normal", busy_timeout: float = 30.0):
        level = _SYNCHRONOUS.get(synchronous.lower())
        if level is None:
            raise errors.ConfigurationError(
                f"sqlite synchronous={synchronous!r} is not one of {sorted(_SYNCHRONOUS)}"
            )
        self.path = path
        self.synchronous = level
        self._lock = threading.RLock()
        self._conn = _connect(path, busy_timeout)
        self._writes = groupcommit.GroupCommit(self._commit_batch)
        self._columns: dict[str, list[str]] = {}
        self._configure(self._conn)
        self._migrate()
        self._read_lock: threading.RLock = self._lock
        self._reader = self._conn
        self._checkpointer: _Checkpointer | None = None
        self._connector = _Connector(self)
        if path != ":memory:":
            self._read_lock = threading.RLock()
            self._reader = _connect(path, busy_timeout)
            self._checkpointer = _Checkpointer(path, busy_timeout)
            self._conn.execute("PRAGMA wal_autocheckpoint=0")
        super().__init__(self._connector)

    def _configure(self, conn: sqlite3.Connection) -> None:
        if self.path != ":memory:":
            mode = _wal(conn)
            if str(mode).lower() != "wal":
                raise errors.ConfigurationError(
                    f"SQLite database {self.path!r} refused WAL mode ({mode}); use a local disk"
                )
        conn.execute(f"PRAGMA synchronous={self.synchronous}")

    def _migrate(self) -> None:
        q = queries.load(DIALECT, "migrate")
        with self._transaction() as conn:
            conn.execute(q["schema_table"])
            applied = {row[0] for row in conn.execute(q["schema_versions"])}
            for version, name, sql in migrate.pending(DIALECT, applied):
                for statement in _statements(sql):
                    conn.execute(statement)
                params = {"version": version, "name": name, "now": time.time()}
                conn.execute(q["record_migration"], params)

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
                write = batch[0]
                if write.more:
                    self._apply_alone(write)
                else:
                    self._apply(write)  # the common lone write, one call fewer
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                merged = self._merge_claims(batch)
                shared = _shared_tails(batch)
                for write in batch:
                    self._apply(write, write.tail if write in shared else 0, write in merged)
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                for write in batch:
                    try:
                        self._apply_alone(write)
                    except sqlite3.Error as exc:
                        write.error = exc

    def _apply_alone(self, write: groupcommit.Write) -> None:
        """Commit `write` by itself: autocommit, or one transaction with its `more`."""
        if not write.more:
            self._apply(write)
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._apply(write)
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _read(self, sql: str, params: groupcommit.Params) -> list[dict[str, Any]]:
        """Run a query on the read connection, which never waits behind the writer."""
        with self._read_lock:
            return self._dicts(self._reader.execute(sql, params), sql)

    def _apply(self, write: groupcommit.Write, skip: int = 0, merged: bool = False) -> None:
        """Run `write`, but not its last `skip` statements, a later write's shared tail.

        Those get no rows and a rowcount of 0, as `groupcommit.Write.tail` says. `merged`:
        its first statement, a claim, has run as one with its batch's (`_merge_claims`).
        """
        if write.unit:
            self._apply_unit(write, merged)
            return
        if write.merge:  # a claim, whose parameters stay named for `_merge_claims`
            if not merged:
                self._claim_alone(write)
        else:
            cursor = self._conn.execute(write.sql, write.params)
            write.rows = self._dicts(cursor, write.sql)
            write.rowcount = cursor.rowcount
        if write.more:
            write.results = []
            for sql, params in write.more[: len(write.more) - skip]:
                cursor = self._conn.execute(sql, params)
                write.results.append((self._dicts(cursor, sql), cursor.rowcount))
            write.results += [([], 0)] * skip

    def _write_unit(
        self,
        statements: Sequence[workflows.Statement],
        key: str,
        head: int = 0,
        tail: int = 0,
        merge: str = "",
        row: str = "",
    ) -> list[base.Result]:
        """Statements that commit together join the group commit as one write (see there).

        The last `tail` of them run once for the writes of `key` in a batch that end alike
        (`_shared_tails`). A shared head would save nothing here: SQLite locks no row. With
        `merge`, the first is a claim run with its batch's (`_merge_claims`). `row` orders
        nothing here: SQLite locks the whole database, not rows.
        """
        return self._connector.together(statements, key, tail, merge)

    def _merge_claims(self, batch: Sequence[groupcommit.Write]) -> set[groupcommit.Write]:
        """Run the claims that writes of `batch` start with as one statement; those writes.

        Claims alike (`Write.merge`) run as one (`_claim_together`), each write getting its
        rows. So the next claims that the ends of a batch carry cost one claim, as the claims of
        threads asking at once do. A claim that fails fails the batch (each runs again alone).
        """
        claims = [write for write in batch if write.merge]
        if not claims:
            return set()
        alike = [groupcommit.Write(w.sql, w.params, w.merge) for w in claims]
        self._claim_together(alike, self._claim_here)
        for write, made in zip(claims, alike, strict=True):
            if made.error is not None:
                raise made.error
            write.rows, write.rowcount = made.rows, made.rowcount
        return set(claims)

    def _claim_here(self, sql: str, params: Mapping[str, Any]) -> base.Result:
        """Run a claim (its parameters left named) on the writer, in the transaction open."""
        text, values = self._connector.bind(sql, params)
        cursor = self._conn.execute(text, values)
        return base.Result(self._dicts(cursor, text), cursor.rowcount)

    def _apply_unit(self, write: groupcommit.Write, merged: bool = False) -> None:
        """Run `write.unit`'s statements, kept only if each changed exactly one row.

        Alone, in a transaction of its own, rolled back if one changed no row (a lost fence).
        In a batch's transaction, a first statement that changes no row has written nothing:
        the unit stops there (rowcount 0) and the batch goes on. A later one (which a fence
        that held a statement before cannot cause) raises `UnitUndone`: the batch rolls back
        and every write of it runs again alone. No savepoint is paid for on the common path.

        A unit with a claim (`merge`, see `Connector.execute_unit_claiming`) has the claim's
        rows in `rows` and whether it was kept in `results`; the claim ran with its batch's
        (`merged`), or alone runs in the unit's transaction, after it, or after its rollback.
        """
        conn = self._conn
        alone = not conn.in_transaction
        if alone:
            conn.execute("BEGIN IMMEDIATE")
        kept = True
        try:
            for index, (sql, params) in enumerate(write.unit):
                if conn.execute(sql, params).rowcount != 1:
                    if index and not alone:
                        raise UnitUndone("a unit's later statement changed no row")
                    kept = False
                    break
            if alone and kept and write.merge:
                self._claim_alone(write)
        except BaseException:
            if alone:
                conn.execute("ROLLBACK")
            raise
        if alone:
            conn.execute("COMMIT" if kept else "ROLLBACK")
        if not write.merge:
            write.rows, write.rowcount = [], int(kept)
            return
        if alone and not kept:
            self._claim_alone(write)  # autocommit: the claim stands without the unit
        write.results = [([], int(kept))]

    def _claim_alone(self, write: groupcommit.Write) -> None:
        """Run the claim `write` starts with (its `merge`), not merged with any other."""
        params = cast(Mapping[str, Any], write.params)
        write.rows, write.rowcount = self._claim_here(write.sql, params)

    def _dicts(self, cursor: sqlite3.Cursor, sql: str) -> list[dict[str, Any]]:
        """The rows `cursor` returns for `sql`, each a dict by column name.

        The column names of each statement are looked up once: building them from the
        cursor's description costs more than the rest of a small read.
        """
        if cursor.description is None:  # a write without RETURNING: no rows to fetch
            return []
        rows = cursor.fetchall()
        if not rows:
            return rows
        names = self._columns.get(sql)
        if names is None:
            names = self._columns[sql] = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _finish_appending(
        self,
        params: dict[str, Any],
        history: Sequence[base.HistoryEvent],
        then_claim: base.ClaimNext | None = None,
    ) -> None:
        """The held rows and the end as one unit of the group commit (see `_apply_unit`).

        Shares its commit with other threads' writes, as a plain `finish` does. The worker's
        next claim (`then_claim`, see `_claim_with_end`) rides along: no commit of its own,
        and the claims that the ends of one batch carry run as one statement. It stands
        whether or not the unit is kept.
        """
        statements = [workflows.appending(self._q, params, event) for event in history]
        statements.append((self._q["finish"], params))
        claim = None if then_claim is None else self._claim_with_end(then_claim, params["now"])
        if then_claim is not None and claim is not None:
            kept, rows = self._connector.execute_unit_claiming(statements, *claim)
            then_claim.claims = [base.Claim.from_row(row) for row in rows]
        else:
            kept = self._connector.execute_unit(statements)
        if not kept:
            raise errors.LeaseLost(params["fence_id"])  # nothing of it was kept

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


def _shared_tails(batch: Sequence[groupcommit.Write]) -> set[groupcommit.Write]:
    """The writes of `batch` whose tail (`Write.tail`) a later write of it runs for them.

    Such a later write has the same key and ends with the same statements (the wake-up of
    the parent of children ending in one batch): run once after the last of them, it counts
    all their ends. Each statement saved is a call that gives up and retakes the GIL while
    the writer lock is held, which other threads' commits wait behind.
    """
    shared: set[groupcommit.Write] = set()
    later: set[tuple[str, tuple[str, ...]]] = set()
    for write in reversed(batch):
        if not write.tail or write.tail > len(write.more):
            continue
        ends = (write.key, tuple(sql for sql, _ in write.more[-write.tail :]))
        if ends in later:
            shared.add(write)
        else:
            later.add(ends)
    return shared


class UnitUndone(sqlite3.Error):
    """A unit's statement after its first changed no row inside a batch: undo the batch."""


class _Connector:
    """The `Connector` of a SQLiteStore: writes join its group commit, reads its reader.

    A SQLite file has no connection to lose, so `idempotent` changes nothing here.
    """

    dialect = DIALECT

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        self._compiled: dict[str, tuple[str, Values]] = {}

    def _compile(self, sql: str) -> tuple[str, Values]:
        """`_positional(sql)`, kept here: a dict lookup is cheaper than the shared cache's call."""
        found = self._compiled[sql] = _positional(sql)
        return found

    def execute(
        self, sql: str, params: Mapping[str, Any], *, idempotent: bool = False
    ) -> base.Result:
        """See `Connector.execute`."""
        text, values = self._compiled.get(sql) or self._compile(sql)  # `bind`, one call less
        write = self._store._writes.submit(groupcommit.Write(text, values(params)))
        return base.Result(write.rows, write.rowcount)

    def query(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """See `Connector.query`."""
        return self._store._read(*self.bind(sql, params))

    def bind(self, sql: str, params: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """`sql` with numbered placeholders and `params`' values for them (see `_positional`)."""
        text, values = self._compiled.get(sql) or self._compile(sql)
        return text, values(params)

    def together(
        self,
        statements: Sequence[workflows.Statement],
        key: str = "",
        tail: int = 0,
        merge: str = "",
    ) -> list[base.Result]:
        """Run `statements` in order in one commit, joining the group commit; their results.

        Unlike `execute_unit`, each statement's result stands: nothing is undone for a
        statement that changed no row. `key`, `tail` and `merge` (the first statement is a
        claim, left named): see `groupcommit.Write`.
        """
        compiled = [self.bind(sql, params) for sql, params in statements[1 if merge else 0 :]]
        if merge:
            (first, named), more = statements[0], compiled
            write = self._store._writes.submit(
                groupcommit.Write(first, named, key, more, tail=tail, merge=merge)
            )
        else:
            (first, bound), more = compiled[0], compiled[1:]
            write = self._store._writes.submit(
                groupcommit.Write(first, bound, key, more=more, tail=tail)
            )
        return [
            base.Result(write.rows, write.rowcount),
            *(base.Result(rows, count) for rows, count in write.results),
        ]

    def execute_unit(self, statements: Sequence[tuple[str, Mapping[str, Any]]]) -> bool:
        """Run `statements` in the next group commit, all kept or none; whether kept.

        Kept only if each changed exactly one row (see `SQLiteStore._apply_unit`).
        """
        unit = [self.bind(sql, params) for sql, params in statements]
        return self._store._writes.submit(groupcommit.Write("", (), unit=unit)).rowcount == 1

    def execute_unit_claiming(
        self,
        statements: Sequence[tuple[str, Mapping[str, Any]]],
        claim: tuple[str, Mapping[str, Any]],
        merge: str,
    ) -> tuple[bool, list[dict[str, Any]]]:
        """`execute_unit`, and in the same commit `claim` (left named, merged by `merge`).

        Whether the unit was kept, and the rows the claim took, which stand either way.
        """
        unit = [self.bind(sql, params) for sql, params in statements]
        sql, params = claim
        write = groupcommit.Write(sql, params, unit=unit, merge=merge)
        self._store._writes.submit(write)
        return write.results[0][1] == 1, write.rows

    @contextmanager
    def transaction(self) -> Iterator[base.Execute]:
        """See `Connector.transaction`."""

        def run(sql: str, params: Mapping[str, Any]) -> base.Result:
            text, values = _positional(sql)
            cursor = conn.execute(text, values(params))
            return base.Result(self._store._dicts(cursor, text), cursor.rowcount)

        with self._store._transaction() as conn:
            yield run

    def array(self, values: Sequence[str]) -> object:
        """See `Connector.array`: JSON text, which the SQL reads with `json_each`."""
        return json.dumps(list(values))


class _Checkpointer:
    """Copies the WAL back into the database from a background thread.

    SQLite would otherwise checkpoint inside whichever commit crosses the WAL size limit,
    adding milliseconds to that one commit (the p99 of step latency).

    A passive checkpoint never makes the WAL start over while writes keep coming: SQLite
    reuses the file from its start only when a write begins with every frame already copied
    back, and under steady load a newer commit is always there. So the WAL file grew by
    every commit (about 60 KB a five-step workflow, without bound). Past `RESTART_FRAMES`
    frames the checkpointer asks for a restart: it waits for the commit in progress, copies
    the little the last passive checkpoint left and lets the next write begin the file
    anew, which bounds it to about that many frames.
    """

    INTERVAL = 0.25
    RESTART_FRAMES = 16_384
    """WAL frames (pages: 64 MB at SQLite's 4 KB page) past which the WAL starts over."""
    RESTART_WAIT_MS = 100
    """How long a restart waits for readers (of any process) before it gives up until the
    next interval: new writes wait behind a pending restart, so never for long."""

    def __init__(self, path: str, busy_timeout: float) -> None:
        self._conn = _connect(path, busy_timeout)
        self._conn.execute(f"PRAGMA busy_timeout={self.RESTART_WAIT_MS}")  # passive: unused
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="podium-checkpoint", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            try:
                _busy, frames, copied = self._conn.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
                if restart_due(frames, copied, self.RESTART_FRAMES):
                    self._conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
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


def restart_due(frames: int, copied: int, limit: int) -> bool:
    """Whether the checkpointer should restart a WAL of `frames` frames, `copied` of them back.

    Only past `limit`, and only when the passive checkpoint copied every frame: a frame it
    could not copy is one a reader's snapshot still needs, and a restart would hold new
    writes back while it waits for that reader. The next interval looks again.
    """
    return frames > limit and copied >= frames


def _wal(conn: sqlite3.Connection, within: float = 30.0) -> str:
    """Switch to WAL mode, retrying "locked" for up to `within` seconds.

    SQLite answers "locked" without waiting while another connection creates or migrates
    a new file (the busy timeout does not apply to this switch).
    """
    deadline = time.monotonic() + within
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _connect(path: str, busy_timeout: float) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
        )
    except sqlite3.Error as exc:
        raise errors.ConfigurationError(
            f"cannot open SQLite database {path!r}: {exc}; check the path and permissions"
        ) from None
    # Sorts and IN-lists of a statement (the claim's ORDER BY ... LIMIT) live in memory: the
    # default opens a temporary file for each, ~0.1 ms a claim. Durability is untouched.
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


Values = Callable[[Mapping[str, Any]], tuple[Any, ...]]


@functools.lru_cache(maxsize=4096)
def _positional(sql: str) -> tuple[str, Values]:
    """`sql` with numbered placeholders, and what takes its values from a params dict in order.

    The driver binds a tuple by position several times faster than a dict by name, and every
    checkpoint binds a dozen values.
    """
    text, names = queries.numbered(sql)
    if not names:
        return text, lambda params: ()
    if len(names) == 1:
        name = names[0]
        return text, lambda params: (params[name],)
    values: Values = operator.itemgetter(*names)  # several names: it returns a tuple
    return text, values


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
