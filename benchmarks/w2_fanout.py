"""W2 fan-out: one workflow submits 1,000 trivial steps in parallel, gathers them, sums them.

The workflow calls `add_one.submit(i)` 1,000 times and `podium.gather(*futures)`: the children
are created in one transaction, run on a background worker's threads (`--concurrency`), and
the last one to finish wakes the parent, which sums the results. Reported: wall seconds from
`app.start` to the result (median of runs), next to the floor of one autocommit INSERT per
child step plus start and end, measured on the same store kind in the same run.

`--store sqlite` (default) uses a fresh SQLite file per run; `--store postgres` a fresh schema
on PODIUM_BENCH_POSTGRES_URL (default: the local test server), dropped afterwards; `both`
prints one line per store.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common, floor

RESULT_TIMEOUT = 600.0
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def add_one(x: int) -> int:
    """The trivial step."""
    return x + 1


def define(app: podium.App) -> Any:
    """One step and the fan-out workflow."""
    step = app.step(add_one)

    @app.workflow
    def fan_out(n: int) -> int:
        futures = [step.submit(i) for i in range(n)]
        return sum(podium.gather(*futures))

    return fan_out


# -- PostgreSQL: fresh schemas and the floor ------------------------------------------------


def postgres_url() -> str:
    """The server W2 uses for `--store postgres`."""
    return os.environ.get("PODIUM_BENCH_POSTGRES_URL") or POSTGRES_URL


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL naming a new schema (podium creates it); the schema is dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"podium_bench_{uuid.uuid4().hex[:10]}"
    sep = "&" if "?" in postgres_url() else "?"
    try:
        yield f"{postgres_url()}{sep}schema={name}"
    finally:
        with psycopg.connect(postgres_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def postgres_commits_seconds(commits: int) -> float:
    """Wall seconds of `commits` one-row autocommit INSERTs on one connection (the PG floor)."""
    import psycopg

    with postgres_schema() as url, psycopg.connect(postgres_url(), autocommit=True) as conn:
        schema = url.rsplit("schema=", 1)[1]
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(
            f"CREATE TABLE {schema}.checkpoints (id serial PRIMARY KEY, wf text, out text)"
        )
        insert = f"INSERT INTO {schema}.checkpoints (wf, out) VALUES (%s, %s)"
        start = time.perf_counter()
        for i in range(commits):
            conn.execute(insert, (f"wf-{i}", "1"))
        return time.perf_counter() - start


# -- one run --------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_app(args: Any) -> Iterator[tuple[podium.App, Any]]:
    """An App with W2 defined on a fresh store of `args.store`, opened before the clock."""
    if args.store == "sqlite":
        with common.fresh_app(args.synchronous, define) as (app, wf, _path):
            yield app, wf
        return
    with postgres_schema() as url:
        app = podium.App("bench", database_url=url)
        try:
            wf = define(app)
            app.store.get_workflow("warm-up")
            yield app, wf
        finally:
            app.close()


def one_run(args: Any) -> float:
    """Wall seconds of one run on a fresh store (result checked)."""
    options = common.worker_options(args.cpu)
    with fresh_app(args) as (app, wf), app.worker(concurrency=args.concurrency, **options):
        wall, total = common.timed(lambda: app.start(wf, args.fanout).result(RESULT_TIMEOUT))
    expected = args.fanout * (args.fanout + 1) // 2
    if total != expected:
        raise SystemExit(f"W2: sum {total!r}, expected {expected}")
    return float(wall)


def floor_seconds(args: Any) -> Callable[[], float]:
    """The floor measurement for `args.store`: one commit per child step, plus start and end."""
    commits = args.fanout + 2
    if args.store == "sqlite":
        return lambda: floor.commits_seconds(args.synchronous, commits)
    return lambda: postgres_commits_seconds(commits)


def measured_line(args: Any, n_runs: int) -> dict[str, Any]:
    """Run W2 `n_runs` times with its floor interleaved; the JSON line."""
    walls, floors = [], []
    measure_floor = floor_seconds(args)
    for r in range(n_runs):
        walls.append(one_run(args))
        floors.append(measure_floor())
        common.note(f"W2 {args.store} run {r + 1}/{n_runs}: {walls[-1]:.3f} s")
    engine = common.summary(walls, 4)
    floor_wall = common.summary(floors, 5)
    return {
        **common.header("W2", "worker", args.synchronous, n_runs),
        "store": args.store,
        "synchronous": args.synchronous if args.store == "sqlite" else None,
        "status": "measured",
        "fanout": args.fanout,
        "concurrency": args.concurrency,
        "worker_cpu": args.cpu,
        "metric": "wall_s",
        **engine,
        "steps_per_s": round(args.fanout / engine["median"], 1),
        "floor": {
            "what": "1 autocommit INSERT per child step + start + end",
            "wall_s": floor_wall,
        },
        "times_floor": common.ratio(engine["median"], floor_wall["median"]),
    }


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "W2")
    p.add_argument("--fanout", type=int, default=None, help="parallel steps (default 1000)")
    p.add_argument("--concurrency", type=int, default=8, help="worker threads")
    common.cpu_option(p)
    p.add_argument("--store", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = p.parse_args(argv)
    args.fanout = args.fanout or (100 if args.quick else 1000)
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    for store in stores:
        args.store = store
        common.emit(measured_line(args, common.runs(args)))


if __name__ == "__main__":
    main()
