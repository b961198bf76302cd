"""Cost as the store grows: the same measurements with 0, 10k, 100k, 1M workflows stored.

For each size a fresh store (SQLite file or PostgreSQL schema) is filled FAST with a mix
made by the engine and copied by bulk SQL: a few workflows of each kind are run for real
(finished, sleeping on a 10-hour timer, waiting for an event, pending with a 10-hour delay),
then their rows (workflow, history, waits) are copied under new ids until the store holds
`size` workflows: 40% finished, 20% on timers, 20% on events, 20% pending-delayed; the copies'
due times are spread over the next 10-20 hours, so none is due while measuring. Then, in that
store, each of `--runs` rounds measures (one JSON line per size, median over rounds; every
store is filled first, then each round visits all sizes in turn, alternating the order, so a
change of machine load falls on every size alike):

  claim_empty_us / claim_one_row_us  `store.claim(...)` with nothing due / one row due
  w3_p50_ms / w3_p99_ms               200 one-step workflows one at a time, start -> result,
                                      background worker of 8 threads
  w1_per_s                            1,000 one-step workflows started at once, 4-slot worker
  lateness_p50_ms / lateness_p99_ms   `--wake` sleeping workflows all due within a
                                      `--wake-window`-second window: finish time - due time
  bytes_per_workflow                  store size after the fill / workflows stored

`ratio_to_0` divides each median by the same figure at the first size of the same run.
Run: `python benchmarks/scale.py --store sqlite --sizes 0,10000,100000,1000000 --runs 3`;
PostgreSQL from `--url` (default PODIUM_TEST_POSTGRES_URL or the local test server).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common
from podium.store import queries

TEMPLATES_PER_KIND = 4
MIX = {"done": 0.4, "sleeper": 0.2, "waiter": 0.2, "delayed": 0.2}
"""Share of each kind in the filled store."""
FAR = 36_000.0
"""Seconds until a filled workflow is due (10 hours): never during a run."""
SPREAD = 36_000.0
"""The copies' due times are spread over this many seconds after FAR."""
COPY_BATCH = 50_000
CLAIM_SAMPLES = 300
W3_COUNT = 200
W1_COUNT = 1_000
RESULT_TIMEOUT = 300.0
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
TABLES = (
    ("podium_workflows", "id"),
    ("podium_history", "workflow_id"),
    ("podium_waits", "workflow_id"),
)


# -- the workflows -----------------------------------------------------------------------


def define(app: podium.App) -> dict[str, Any]:
    """The workflows the fill and the measurements run."""

    @app.step
    def echo(x: int) -> int:
        return x + 1

    @app.workflow
    def one_step(x: int) -> int:
        return echo(x)

    @app.workflow
    def sleeper(seconds: float) -> int:
        podium.sleep(seconds)
        return echo(0)

    @app.workflow
    def sleep_until(at: float) -> int:
        podium.sleep_until(dt.datetime.fromtimestamp(at, dt.UTC))
        return 1

    @app.workflow
    def waiter(key: str) -> Any:
        return podium.wait_for_event("scale.bench", key=key)

    return {"one_step": one_step, "sleeper": sleeper, "sleep_until": sleep_until, "waiter": waiter}


# -- stores ------------------------------------------------------------------------------


class Target:
    """One store backend: fresh stores and raw SQL on them."""

    dialect = "sqlite"

    def __init__(self, args: Any) -> None:
        self.args = args

    @contextlib.contextmanager
    def fresh(self) -> Iterator[str]:
        """A URL naming a new, empty store; removed afterwards."""
        with common.temp_dir() as folder:
            yield f"sqlite:///{common.database_path(folder)}"

    def run_sql(self, url: str, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run `statements` (SQL with ? placeholders, values) in one transaction."""
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)
        try:
            with conn:
                for sql, values in statements:
                    conn.execute(sql, values)
        finally:
            conn.close()

    def columns(self, url: str, table: str) -> list[str]:
        """The column names of `table`."""
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")]
        finally:
            conn.close()

    def series(self, count: int) -> str:
        """A FROM item yielding integers 1..count as column i."""
        return (
            f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {count})"
            " SELECT i FROM s) AS n"
        )

    def size_bytes(self, url: str) -> int:
        """Bytes of the database (pages in use, as its WAL shows them), free pages excluded."""
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            size = conn.execute("PRAGMA page_size").fetchone()[0]
            return int((pages - free) * size)
        finally:
            conn.close()

    def analyze(self, url: str) -> None:
        """Nothing on SQLite: a store never ANALYZEd is what users have."""


class PostgresTarget(Target):
    """PostgreSQL: a new schema per store."""

    dialect = "postgres"

    @contextlib.contextmanager
    def fresh(self) -> Iterator[str]:
        from benchmarks import pg_floor

        with pg_floor.fresh_schema(self.args.url) as schema:
            yield pg_floor.with_query(self.args.url, schema=schema, pool_max="12")

    def _connect(self, url: str) -> Any:

        from benchmarks import pg_floor

        base, _, _ = url.partition("?")
        schema = url.split("schema=")[1].split("&")[0]
        return pg_floor.connect(base, schema)

    def run_sql(self, url: str, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        with self._connect(url) as conn, conn.transaction():
            for sql, values in statements:
                conn.execute(sql.replace("?", "%s"), values)

    def columns(self, url: str, table: str) -> list[str]:
        with self._connect(url) as conn:
            rows = conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = %s"
                " ORDER BY ordinal_position",
                (table,),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def series(self, count: int) -> str:
        return f"generate_series(1, {count}) AS n(i)"

    def size_bytes(self, url: str) -> int:
        with self._connect(url) as conn:
            row = conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
                " JOIN pg_namespace s ON s.oid = c.relnamespace"
                " WHERE s.nspname = current_schema() AND c.relkind = 'r'"
            ).fetchone()
        return int(row[0] or 0)

    def analyze(self, url: str) -> None:
        with self._connect(url) as conn:
            conn.execute("ANALYZE")


# -- filling -----------------------------------------------------------------------------


def make_app(url: str) -> tuple[podium.App, dict[str, Any]]:
    """An App on `url` with the bench workflows, its store migrated."""
    app = podium.App("scale", database_url=url)
    flows = define(app)
    app.store.get_workflow("warm-up")
    return app, flows


def templates(app: podium.App, flows: dict[str, Any]) -> dict[str, list[str]]:
    """Workflow ids of each kind, run for real until finished or waiting."""
    kinds: dict[str, list[str]] = {kind: [] for kind in MIX}
    for i in range(TEMPLATES_PER_KIND):
        kinds["done"].append(app.start(flows["one_step"], i).id)
        kinds["sleeper"].append(app.start(flows["sleeper"], FAR).id)
        kinds["waiter"].append(app.start(flows["waiter"], f"k{i}").id)
        kinds["delayed"].append(app.start(flows["one_step"], i, delay=FAR).id)
    with app.worker(concurrency=4):
        for wid in kinds["done"]:
            app.get(wid).result(timeout=RESULT_TIMEOUT)
        for wid in kinds["sleeper"] + kinds["waiter"]:
            _wait_status(app, wid, "waiting")
    return kinds


def _wait_status(app: podium.App, workflow_id: str, status: str) -> None:
    deadline = time.monotonic() + RESULT_TIMEOUT
    while app.get(workflow_id).status() != status:
        if time.monotonic() > deadline:
            raise SystemExit(f"scale: {workflow_id} never became {status}")
        time.sleep(0.02)


def fill(target: Target, url: str, kinds: dict[str, list[str]], size: int) -> float:
    """Copy the template rows until the store holds about `size` workflows; seconds taken."""
    begin = time.perf_counter()
    made = sum(len(v) for v in kinds.values())
    columns = {table: target.columns(url, table) for table, _ in TABLES}
    tag = 0
    for kind, share in MIX.items():
        copies = max(0, round((size - made) * share / len(kinds[kind])))
        done = 0
        while done < copies:
            batch = min(COPY_BATCH, copies - done)
            statements = [
                _copy(target, table, key, columns[table], kinds[kind], batch, tag)
                for table, key in TABLES
            ]
            target.run_sql(url, statements)
            done += batch
            tag += 1
    target.analyze(url)
    return time.perf_counter() - begin


def _copy(
    target: Target, table: str, key: str, columns: list[str], ids: list[str], count: int, tag: int
) -> tuple[str, list[Any]]:
    """INSERT ... SELECT copying `ids`' rows of `table` `count` times under new ids."""
    suffix = f"'-c{tag}-' || CAST(n.i AS TEXT)"
    spread = f"CAST(n.i AS DOUBLE PRECISION) * {SPREAD / max(count, 1)!r}"
    out = []
    for column in columns:
        if column == key:
            out.append(f"t.{column} || {suffix}")
        elif table == "podium_workflows" and column == "claimable_at":
            out.append(f"t.claimable_at + {spread}")
        else:
            out.append(f"t.{column}")
    marks = ", ".join("?" for _ in ids)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(out)}"
        f" FROM {table} AS t CROSS JOIN {target.series(count)} WHERE t.{key} IN ({marks})"
    )
    return sql, list(ids)


def count_workflows(target: Target, app: podium.App) -> int:
    """Workflows in the store now."""
    rows = app.store.connector.query("SELECT count(*) AS n FROM podium_workflows", {})
    return int(rows[0]["n"])


# -- measurements --------------------------------------------------------------------------


def claim_latency(app: podium.App, flows: dict[str, Any]) -> tuple[float, float]:
    """Median µs of an empty claim and of a claim that takes one due row."""
    store = app.store
    owner = f"bench-{uuid.uuid4().hex[:8]}"
    empty, one = [], []
    for _ in range(CLAIM_SAMPLES):
        begin = time.perf_counter()
        got = store.claim(owner, ["default"], 1, time.time(), 30.0)
        empty.append(time.perf_counter() - begin)
        if got:
            raise SystemExit("scale: an empty claim took a row; the fill left work due")
    for i in range(CLAIM_SAMPLES // 3):
        handle = app.start(flows["one_step"], i)
        begin = time.perf_counter()
        got = store.claim(owner, ["default"], 1, time.time(), 30.0)
        one.append(time.perf_counter() - begin)
        if len(got) != 1 or got[0].record.id != handle.id:
            raise SystemExit("scale: the one-row claim did not take the workflow just started")
        store.cancel(handle.id, time.time())
    return statistics.median(empty) * 1e6, statistics.median(one) * 1e6


def w3(app: podium.App, flows: dict[str, Any]) -> tuple[float, float]:
    """p50 and p99 ms from start to result, one workflow at a time."""
    out = []
    with app.worker(concurrency=8):
        for i in range(5):
            app.start(flows["one_step"], i).result(timeout=RESULT_TIMEOUT)
        for i in range(W3_COUNT):
            begin = time.perf_counter()
            if app.start(flows["one_step"], i).result(timeout=RESULT_TIMEOUT) != i + 1:
                raise SystemExit("scale: W3 returned a wrong result")
            out.append(time.perf_counter() - begin)
    return common.percentile(out, 50) * 1e3, common.percentile(out, 99) * 1e3


def w1(app: podium.App, flows: dict[str, Any]) -> float:
    """Workflows per second: W1_COUNT started at once with a 4-slot worker running."""
    with app.worker(concurrency=4):
        begin = time.perf_counter()
        handles = [app.start(flows["one_step"], i) for i in range(W1_COUNT)]
        for i, handle in enumerate(handles):
            if handle.result(timeout=RESULT_TIMEOUT) != i + 1:
                raise SystemExit("scale: W1 returned a wrong result")
        return W1_COUNT / (time.perf_counter() - begin)


def lateness(app: podium.App, flows: dict[str, Any], count: int, window: float) -> list[float]:
    """Seconds from due time to finish of `count` sleepers due within `window` seconds."""
    lead = 4.0 + count / 400.0
    first = time.time() + lead
    dues = [first + window * k / count for k in range(count)]
    handles = [app.start(flows["sleep_until"], due) for due in dues]
    with app.worker(concurrency=8):
        for handle in handles:
            handle.result(timeout=RESULT_TIMEOUT + lead + window)
    late = []
    for handle, due in zip(handles, dues, strict=True):
        record = app.store.get_workflow(handle.id)
        assert record is not None
        late.append(record.updated_at - due)
    if min(late) < 0:
        raise SystemExit("scale: a sleeper finished before it was due")
    return late


# -- the run -------------------------------------------------------------------------------


class Filled:
    """One filled store of the run: its App, workflows and the figures of every round."""

    def __init__(self, target: Target, size: int, url: str) -> None:
        self.size = size
        self.app, self.flows = make_app(url)
        kinds = templates(self.app, self.flows)
        self.fill_s = fill(target, url, kinds, size)
        self.stored = count_workflows(target, self.app)
        self.size_bytes = target.size_bytes(url)
        self.rounds: dict[str, list[float]] = {}
        self.filled_at = time.time()
        common.note(f"size {size}: {self.stored} workflows, filled in {self.fill_s:.1f} s")

    def round(self, args: Any) -> None:
        """Measure every figure once more."""
        figures = one_round(self.app, self.flows, args)
        self.forget_round()
        for name, value in figures.items():
            self.rounds.setdefault(name, []).append(value)
        common.note(f"size {self.size}: " + _short(figures))

    def forget_round(self) -> None:
        """Delete what the round started, so every round sees the store at its size."""
        since = {"since": self.filled_at}
        c = self.app.store.connector
        made = "SELECT id FROM podium_workflows WHERE created_at > :since"
        for table in ("podium_history", "podium_attempts", "podium_waits"):
            sql = f"DELETE FROM {table} WHERE workflow_id IN ({made})"
            c.execute(queries.adapt(c.dialect, sql), since)
        sql = "DELETE FROM podium_workflows WHERE created_at > :since"
        c.execute(queries.adapt(c.dialect, sql), since)

    def figures(self) -> dict[str, Any]:
        """The medians over the rounds so far."""
        return {
            "size": self.size,
            "stored": self.stored,
            "fill_s": round(self.fill_s, 1),
            "bytes_per_workflow": round(self.size_bytes / max(self.stored, 1)),
            **{name: common.summary(values, 3) for name, values in self.rounds.items()},
        }


def measure(target: Target, sizes: list[int], args: Any) -> list[dict[str, Any]]:
    """Fill a store per size, then rounds that visit every size in turn (load drifts hit all)."""
    with contextlib.ExitStack() as stack:
        stores = []
        for size in sizes:
            url = stack.enter_context(target.fresh())
            filled = Filled(target, size, url)
            stack.callback(filled.app.close)
            stores.append(filled)
        for r in range(args.runs):
            common.note(f"round {r + 1}/{args.runs}")
            for filled in stores if r % 2 == 0 else reversed(stores):
                filled.round(args)
        return [filled.figures() for filled in stores]


def one_round(app: podium.App, flows: dict[str, Any], args: Any) -> dict[str, float]:
    """Every timed figure once."""
    empty_us, one_us = claim_latency(app, flows)
    p50, p99 = w3(app, flows)
    per_s = w1(app, flows)
    figures = {
        "claim_empty_us": empty_us,
        "claim_one_row_us": one_us,
        "w3_p50_ms": p50,
        "w3_p99_ms": p99,
        "w1_per_s": per_s,
    }
    if args.wake:
        late = lateness(app, flows, args.wake, args.wake_window)
        figures["lateness_p50_ms"] = common.percentile(late, 50) * 1e3
        figures["lateness_p99_ms"] = common.percentile(late, 99) * 1e3
    return figures


def _short(figures: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.3g}" for k, v in figures.items())


def ratios(line: dict[str, Any], base: dict[str, Any]) -> dict[str, float | None]:
    """Each median figure of `line` over the same figure of `base`."""
    out = {}
    for name, value in line.items():
        if isinstance(value, dict) and isinstance(base.get(name), dict):
            out[name] = common.ratio(value["median"], base[name]["median"])
    return out


def cpu_model() -> str | None:
    """The CPU model name from /proc/cpuinfo, if readable."""
    with contextlib.suppress(OSError):
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                return row.split(":", 1)[1].strip()
    return None


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "scale")
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--url", default=os.environ.get("PODIUM_TEST_POSTGRES_URL") or DEFAULT_URL)
    p.add_argument("--sizes", default="0,10000,100000,1000000", help="comma-separated")
    p.add_argument("--wake", type=int, default=5000, help="sleepers in the lateness figure")
    p.add_argument("--wake-window", type=float, default=10.0, help="seconds they are due in")
    args = p.parse_args(argv)
    args.runs = common.runs(args) if args.runs is not None or args.quick else 3
    sizes = _sizes(args.sizes, quick=args.quick)
    if args.quick:
        args.wake = min(args.wake, 500)
    target: Target = PostgresTarget(args) if args.store == "postgres" else Target(args)
    common.STORE = args.store
    lines = measure(target, sizes, args)
    base = lines[0]
    for figures in lines:
        line = {**common.header("scale", args.store, args.synchronous, args.runs)}
        line.update(cpu=cpu_model(), wake=args.wake, wake_window_s=args.wake_window)
        line.update(figures, ratio_to_first=ratios(figures, base), first_size=base["size"])
        common.emit(line)


def _sizes(text: str, *, quick: bool) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise SystemExit(f"--sizes must be comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 0:
        raise SystemExit(f"--sizes needs at least one size >= 0, got {text!r}")
    return [min(s, 2000) for s in sizes] if quick else sizes


if __name__ == "__main__":
    main()
