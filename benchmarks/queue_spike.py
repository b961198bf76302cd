"""Queue spike: a burst of starts into a queue of concurrency 8 drains at the limited rate.

10,000 workflows are started as fast as one client can (the burst), while worker processes
with far more threads than the limit drain the queue. Each workflow runs one step that
holds its slot for --work seconds, so the queue can drain at most 8 / work per second.
From the history's step start/finish times the script measures the most steps ever running
at one instant (must be <= 8), checks nothing is lost, and reports the drain rate.

    python -m benchmarks.queue_spike                 # both stores
    python -m benchmarks.queue_spike --store sqlite --starts 2000

Prints one JSON line per store on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from typing import Any

import podium

QUEUE = "spike"
CONCURRENCY = 8
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def build(url: str, work: float) -> podium.App:
    """The benchmark app: the limited queue and its one-step workflow."""
    app = podium.App("spike", database_url=url, poll_interval=0.05, lease_seconds=30)
    app.queue(QUEUE, concurrency=CONCURRENCY)

    @app.step
    def scan(n: int) -> int:
        time.sleep(work)
        return n

    @app.workflow(queue=QUEUE)
    def job(n: int) -> int:
        return int(scan(n))

    return app


def serve(url: str, work: float, threads: int) -> None:
    """A worker process: serve the queue until SIGTERM."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = build(url, work)
    try:
        app.worker(concurrency=threads, queues=[QUEUE]).run()
    finally:
        app.close()


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one instant (an end at t comes before a start at t)."""
    points = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    best = current = 0
    for _, delta in points:
        current += delta
        best = max(best, current)
    return best


def count(app: podium.App, status: str) -> int:
    """Workflows of the queue in `status`."""
    mark = ":{}" if app.store.connector.dialect == "sqlite" else "%({})s"
    sql = (
        "SELECT count(*) AS n FROM podium_workflows "
        f"WHERE queue = {mark.format('q')} AND status = {mark.format('s')}"
    )
    return int(app.store.connector.query(sql, {"q": QUEUE, "s": status})[0]["n"])


def run(store: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Burst, drain, measure; one result record."""
    app = build(url, args.work)
    app.store  # noqa: B018 - schema and queue config before the workers start
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=serve, args=(url, args.work, args.threads), daemon=True)
        for _ in range(args.workers)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let the workers come up: the burst then meets a live cluster
    began = time.perf_counter()
    for n in range(args.starts):
        app.start("job", n, id=f"job-{n}")
    burst = time.perf_counter() - began
    print(f"{store}: {args.starts} starts in {burst:.2f}s; draining", file=sys.stderr)
    while count(app, "completed") < args.starts:
        time.sleep(0.2)
        if time.perf_counter() - began > args.timeout:
            break
    drained = time.perf_counter() - began
    for p in procs:
        p.terminate()
    for p in procs:
        p.join(10)
    rows = app.store.connector.query(
        "SELECT started_at, finished_at FROM podium_history WHERE kind = 'step' "
        "AND status = 'completed'",
        {},
    )
    intervals = [(float(r["started_at"]), float(r["finished_at"])) for r in rows]
    first = min(s for s, _ in intervals)
    last = max(e for _, e in intervals)
    completed = count(app, "completed")
    stats = app.queue_stats(QUEUE)
    app.close()
    return {
        "benchmark": "queue_spike",
        "store": store,
        "starts": args.starts,
        "queue_concurrency": CONCURRENCY,
        "workers": args.workers,
        "threads_per_worker": args.threads,
        "work_seconds": args.work,
        "burst_seconds": round(burst, 3),
        "burst_starts_per_second": round(args.starts / burst, 1),
        "completed": completed,
        "lost": args.starts - completed,
        "max_running_at_once": max_overlap(intervals),
        "drain_seconds": round(last - first, 3),
        "drain_per_second": round(len(intervals) / (last - first), 1),
        "limit_per_second": round(CONCURRENCY / args.work, 1) if args.work else None,
        "wall_seconds": round(drained, 3),
        "throughput_stat": round(stats.throughput, 2),
    }


@contextlib.contextmanager
def store_url(store: str, pg_url: str) -> Iterator[str]:
    """A fresh database of `store`, removed afterwards."""
    if store == "sqlite":
        folder = tempfile.mkdtemp(prefix="podium-spike-")
        try:
            yield f"sqlite:///{os.path.join(folder, 'spike.db')}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    schema = f"podium_spike_{uuid.uuid4().hex[:8]}"
    sep = "&" if "?" in pg_url else "?"
    try:
        yield f"{pg_url}{sep}schema={schema}"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main() -> None:
    """Run the spike on the chosen stores."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--starts", type=int, default=10_000)
    p.add_argument("--workers", type=int, default=4, help="worker processes")
    p.add_argument("--threads", type=int, default=8, help="threads per worker process")
    p.add_argument("--work", type=float, default=0.005, help="seconds each step holds its slot")
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--postgres-url", default=os.environ.get("PODIUM_TEST_POSTGRES_URL", DEFAULT_PG))
    args = p.parse_args()
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    for store in stores:
        with store_url(store, args.postgres_url) as url:
            print(json.dumps(run(store, url, args)), flush=True)


if __name__ == "__main__":
    main()
