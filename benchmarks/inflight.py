"""Many workflows in flight at once: all complete, and what each costs the worker in memory.

N workflows (default 10,000) are started together on a fresh store; each runs a step, sleeps
durably for --sleep seconds (longer than the suspend grace, so it is unloaded: a row, not a
thread) and runs a second step. One background worker of --concurrency threads runs them all,
or, with `--processes P` (PostgreSQL), P separate worker processes of --concurrency threads
each while this process only starts the workflows (from --starters threads) and watches.
Reported: wall seconds until every result is in (all checked), the most workflows waiting at
once (sampled from the store), the worker process's RSS before starting and at its peak
(ru_maxrss), and (peak - before) / N: memory per in-flight workflow (with P processes: the
largest of any worker process, over the N / P workflows each one carried on average).
Run: `python benchmarks/inflight.py --n 10000` (SQLite), `--store postgres`, or
`--store postgres --n 100000 --processes 4`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import capacity, common, pg_floor, pg_workers
from podium import serialization

RESULT_TIMEOUT = 600.0
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def define(app: podium.App, sleep: float) -> Any:
    """A step, a durable sleep, a step."""

    @app.step
    def add(x: int, y: int) -> int:
        return x + y

    @app.workflow
    def nap(x: int) -> int:
        x = add(x, 1)
        podium.sleep(sleep)
        return add(x, 1)

    return nap


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@contextlib.contextmanager
def fresh_url(args: Any) -> Iterator[str]:
    """A URL of a new, empty store of `args.store`."""
    if args.store == "postgres":
        with pg_floor.fresh_schema(args.url) as schema:
            yield pg_floor.with_query(args.url, schema=schema, pool_max="20")
    else:
        with common.temp_dir() as folder:
            yield f"sqlite:///{common.database_path(folder)}"


def one_run(args: Any) -> dict[str, float]:
    """Start N, wait for all; wall, peak waiting count, RSS figures."""
    with fresh_url(args) as url:
        app = podium.App("inflight", database_url=url)
        try:
            nap = define(app, args.sleep)
            app.store.get_workflow("warm-up")
            before = _rss_bytes()
            begin = time.perf_counter()
            with app.worker(concurrency=args.concurrency):
                handles = [app.start(nap, i) for i in range(args.n)]
                waiting = _Sampler(app)
                with waiting:
                    for i, handle in enumerate(handles):
                        if handle.result(timeout=RESULT_TIMEOUT) != i + 2:
                            raise SystemExit("inflight: a workflow returned a wrong result")
            wall = time.perf_counter() - begin
            peak = _peak_rss_bytes()
        finally:
            app.close()
    return {
        "wall_s": wall,
        "max_waiting": float(waiting.most),
        "rss_before_mb": before / 2**20,
        "rss_peak_mb": peak / 2**20,
        "bytes_per_inflight": (peak - before) / args.n,
    }


def processes_run(args: Any) -> dict[str, float]:
    """Start N here, run them in `args.processes` worker processes; figures as `one_run`."""
    with fresh_url(args) as url:
        app = podium.App("inflight", database_url=url)
        try:
            nap = define(app, args.sleep)
            app.store.get_workflow("warm-up")
            with _worker_processes(url, args) as workers:
                begin = time.perf_counter()
                with _Sampler(app) as waiting:
                    with concurrent.futures.ThreadPoolExecutor(args.starters) as pool:
                        list(pool.map(lambda i: app.start(nap, i), range(args.n), chunksize=64))
                    started = time.perf_counter()
                    _wait_completed(app, args.n)
                wall = time.perf_counter() - begin
            _check(app, args.n)
        finally:
            app.close()
    reports = workers.reports
    grown = max(r["rss_peak"] - r["rss_before"] for r in reports)
    return {
        "wall_s": wall,
        "start_per_s": args.n / (started - begin),
        "max_waiting": float(waiting.most),
        "rss_before_mb": max(r["rss_before"] for r in reports) / 2**20,
        "rss_peak_mb": max(r["rss_peak"] for r in reports) / 2**20,
        "bytes_per_inflight": grown / (args.n / args.processes),
    }


def serve(args: Any) -> None:
    """A worker process: serve `args.url` until SIGTERM, then print its RSS figures."""
    app = podium.App("inflight", database_url=args.url)
    try:
        define(app, args.sleep)
        app.store.get_workflow("warm-up")
        before = _rss_bytes()
        print("up", flush=True)
        app.worker(concurrency=args.concurrency).run()
    finally:
        app.close()
    print(json.dumps({"rss_before": before, "rss_peak": _peak_rss_bytes()}), flush=True)


class _Workers:
    """The worker processes' RSS reports, filled in when they have stopped."""

    reports: list[dict[str, float]]


@contextlib.contextmanager
def _worker_processes(url: str, args: Any) -> Iterator[_Workers]:
    """`args.processes` worker processes serving `url`; their reports once they stopped."""
    command = [sys.executable, __file__, "serve", "--url", url, "--sleep", str(args.sleep)]
    command += ["--concurrency", str(args.concurrency)]
    workers = _Workers()
    with tempfile.TemporaryFile() as logs:
        procs = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=logs, stdin=subprocess.DEVNULL)
            for _ in range(args.processes)
        ]
        try:
            for proc in procs:
                pg_workers._wait_up(proc, logs)
            yield workers
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            outputs = [proc.communicate(timeout=120)[0] for proc in procs]
        workers.reports = [json.loads(out.strip().splitlines()[-1]) for out in outputs]


def _wait_completed(app: podium.App, n: int) -> None:
    """Wait until the store holds `n` completed workflows (fail after a generous deadline)."""
    sql = "SELECT count(*) AS n FROM podium_workflows WHERE status = 'completed'"
    deadline = time.monotonic() + RESULT_TIMEOUT + n / 100
    while (done := int(app.store.connector.query(sql, {})[0]["n"])) < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"inflight: only {done} of {n} workflows completed")
        time.sleep(0.2)


def _check(app: podium.App, n: int) -> None:
    """Every workflow returned its input + 2: never measure a bug."""
    rows = app.store.connector.query("SELECT input, output FROM podium_workflows", {})
    wrong = [
        r
        for r in rows
        if serialization.loads(r["output"]) != serialization.loads_call(r["input"])[0][0] + 2
    ]
    if len(rows) != n or wrong:
        raise SystemExit(f"inflight: {len(rows)} workflows stored, wrong results {wrong[:3]}")


class _Sampler:
    """Counts waiting workflows in the store every 0.2 s; keeps the largest count."""

    def __init__(self, app: podium.App) -> None:
        self.app = app
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        sql = "SELECT count(*) AS n FROM podium_workflows WHERE status = 'waiting'"
        while not self._stop.wait(0.2):
            with contextlib.suppress(Exception):
                n = int(self.app.store.connector.query(sql, {})[0]["n"])
                self.most = max(self.most, n)


def run_in_child(args: Any) -> dict[str, float]:
    """`one_run` in a fresh Python process, so its peak RSS is its own."""
    command = [sys.executable, __file__, "one", "--store", args.store, "--url", args.url]
    command += ["--n", str(args.n), "--sleep", str(args.sleep)]
    command += ["--concurrency", str(args.concurrency)]
    command += ["--processes", str(args.processes), "--starters", str(args.starters)]
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, timeout=1800)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "inflight")
    p.add_argument("mode", nargs="?", choices=("measure", "one", "serve"), default="measure")
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--url", default=os.environ.get("PODIUM_TEST_POSTGRES_URL") or DEFAULT_URL)
    p.add_argument("--n", type=int, default=None, help="workflows in flight (default 10,000)")
    p.add_argument("--sleep", type=float, default=5.0, help="seconds each sleeps durably")
    p.add_argument("--concurrency", type=int, default=16, help="worker threads")
    p.add_argument("--processes", type=int, default=0, help="worker processes (PostgreSQL)")
    p.add_argument("--starters", type=int, default=8, help="starting threads (--processes)")
    p.add_argument(
        "--private-cluster",
        action="store_true",
        help="PostgreSQL: run on a new cluster made by initdb (default settings, autovacuum on)",
    )
    args = p.parse_args(argv)
    args.n = args.n or (500 if args.quick else 10_000)
    if args.processes and args.store != "postgres":
        p.error("--processes needs --store postgres (worker processes share one server)")
    if args.mode == "serve":
        serve(args)
        return
    if args.mode == "one":
        run = processes_run if args.processes else one_run
        print(json.dumps(run(args)), flush=True)
        return
    if args.private_cluster and args.store == "postgres":
        with capacity.private_cluster() as (url, _data):
            args.url = url
            measure(args)
    else:
        measure(args)


def measure(args: Any) -> None:
    """The runs, each in a fresh process, and their JSON line."""
    n_runs = common.runs(args) if args.runs is not None or args.quick else 3
    common.STORE = args.store
    rounds: dict[str, list[float]] = {}
    for r in range(n_runs):
        figures = run_in_child(args)
        for name, value in figures.items():
            rounds.setdefault(name, []).append(value)
        common.note(
            f"inflight run {r + 1}: " + ", ".join(f"{k} {v:.4g}" for k, v in figures.items())
        )
    line = {**common.header("inflight", args.store, args.synchronous, n_runs)}
    line.update(n=args.n, sleep_s=args.sleep, concurrency=args.concurrency)
    line.update(processes=args.processes or 1, starters=args.starters if args.processes else 0)
    line["private_cluster"] = bool(args.private_cluster and args.store == "postgres")
    line.update({name: common.summary(values, 2) for name, values in rounds.items()})
    line["note"] = "each run in a fresh process; peak = ru_maxrss of that process"
    line["median_wall_s"] = round(statistics.median(rounds["wall_s"]), 2)
    common.emit(line)


if __name__ == "__main__":
    main()
