"""Circuit breaker under load: N threads x M calls against one breaker, SQLite and PostgreSQL.

Variants (one JSON line each per store):
  none      plain step calls without a breaker (the function-call baseline)
  breaker   plain step calls with `circuit=`: read the state row, count the outcome in this
            thread's own counter row (podium's design)
  hot-row   the same state read plus one UPDATE of a single shared counter row per call: the
            naive design the breaker avoids, measured on the same store for comparison
  wf-none   N threads each run one workflow of M checkpointed steps, no breaker
  wf-breaker  the same with `circuit=` on the step
Each (store, variant) uses a fresh database: a SQLite file in a temporary directory, or a new
PostgreSQL schema (PODIUM_TEST_POSTGRES_URL or the local default) dropped afterwards. The
breaker never opens (every call succeeds), so the numbers are the cost of counting.

    .venv/bin/python benchmarks/breaker_load.py --threads 8 --calls 500 --runs 3
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common
from podium.store import breakers

VARIANTS = ("none", "breaker", "hot-row", "wf-none", "wf-breaker")
STORES = ("sqlite", "postgres")
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
HOT_TABLE = "CREATE TABLE IF NOT EXISTS bench_hot (name TEXT PRIMARY KEY, calls BIGINT NOT NULL)"
HOT_ROW = "INSERT INTO bench_hot (name, calls) VALUES ('payments', 0) ON CONFLICT DO NOTHING"
HOT_UPDATE = {
    "sqlite": "UPDATE bench_hot SET calls = calls + 1 WHERE name = :name",
    "postgres": "UPDATE bench_hot SET calls = calls + 1 WHERE name = %(name)s",
}


def add_one(x: int) -> int:
    """The trivial step."""
    return x + 1


@contextlib.contextmanager
def fresh_url(store: str, pool_max: int = 10) -> Iterator[str]:
    """A URL naming a new, empty database of `store`; removed afterwards."""
    if store == "sqlite":
        with common.temp_dir() as folder:
            yield f"sqlite:///{common.database_path(folder)}"
        return
    import psycopg
    from psycopg import sql

    server = os.environ.get("PODIUM_TEST_POSTGRES_URL") or PG_URL
    schema = f"podium_bench_{uuid.uuid4().hex[:10]}"
    try:
        yield f"{server}?schema={schema}&pool_max={pool_max}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def plain_caller(app: podium.App, variant: str) -> Callable[[int], Any]:
    """What one call of the `none`, `breaker` or `hot-row` variant does."""
    guarded = variant == "breaker"
    step = app.step(name="add_one", circuit="payments" if guarded else None)(add_one)
    if variant != "hot-row":
        return step
    connector = app.store.connector
    connector.execute(HOT_TABLE, {})
    connector.execute(HOT_ROW, {})
    state = breakers.Breakers(connector)
    update = HOT_UPDATE[connector.dialect]

    def hot(x: int) -> int:
        state.get("payments")
        result = add_one(x)
        connector.execute(update, {"name": "payments"})
        return result

    return hot


def workflow_caller(app: podium.App, variant: str, calls: int) -> Callable[[int], Any]:
    """What one thread of the `wf-*` variants does: run one workflow of `calls` steps."""
    circuit = "payments" if variant == "wf-breaker" else None
    step = app.step(name="add_one", circuit=circuit)(add_one)

    @app.workflow
    def sequential(x: int) -> int:
        for _ in range(calls):
            x = step(x)
        return x

    def run(i: int) -> int:
        return int(app.run(sequential, 0, id=f"wf-{i}"))

    return run


def measure(store: str, variant: str, threads: int, calls: int, pool_max: int) -> float:
    """Calls per second of one run on a fresh database."""
    with fresh_url(store, pool_max) as url:
        app = podium.App("bench", database_url=url)
        try:
            app.circuit_breaker("payments", min_calls=10, window=60.0)
            app.breaker_state("payments")  # open and migrate the store before the clock
            if variant.startswith("wf-"):
                call = workflow_caller(app, variant, calls)
                per_thread = 1
            else:
                call = plain_caller(app, variant)
                per_thread = calls
            seconds, _ = common.timed(lambda: hammer(call, threads, per_thread))
        finally:
            app.close()
    return threads * calls / seconds


def hammer(call: Callable[[int], Any], threads: int, per_thread: int) -> None:
    """Run `call` `per_thread` times on each of `threads` threads, all started together."""
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        start.wait()
        try:
            for i in range(per_thread):
                call(t * per_thread + i)
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--calls", type=int, default=500, help="calls (or steps) per thread")
    p.add_argument("--runs", type=int, default=3, help="repetitions; the median is reported")
    p.add_argument("--stores", default=",".join(STORES))
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--pool-max", type=int, default=10, help="PostgreSQL connections (default 10)")
    p.add_argument("--quick", action="store_true", help="4 threads x 50 calls, 1 run")
    args = p.parse_args()
    if args.quick:
        args.threads, args.calls, args.runs = 4, 50, 1
    return args


def main() -> None:
    """Print one JSON line per (store, variant)."""
    args = parse()
    for store in args.stores.split(","):
        for variant in args.variants.split(","):
            values = []
            for run in range(args.runs):
                common.note(f"{store} {variant} run {run + 1}/{args.runs}")
                values.append(measure(store, variant, args.threads, args.calls, args.pool_max))
            line = common.header("breaker_load", variant, "normal", args.runs)
            line.update(store=store, threads=args.threads, calls_per_thread=args.calls)
            if store == "postgres":
                line["pool_max"] = args.pool_max
            line["calls_per_s"] = common.summary(values, 1)
            common.emit(line)


if __name__ == "__main__":
    main()
