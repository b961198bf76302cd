"""Many workflows in flight at once: all complete, and what each costs the worker in memory.

N workflows (default 10,000) are started together on a fresh store; each runs a step, sleeps
durably for --sleep seconds (longer than the suspend grace, so it is unloaded: a row, not a
thread) and runs a second step. One background worker of --concurrency threads runs them all.
Reported: wall seconds until every result is in (all checked), the most workflows waiting at
once (sampled from the store), the worker process's RSS before starting and at its peak
(ru_maxrss), and (peak - before) / N: memory per in-flight workflow.
Run: `python benchmarks/inflight.py --n 10000` (SQLite) or `--store postgres`.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common

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
        from benchmarks import pg_floor

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
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, timeout=1800)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "inflight")
    p.add_argument("mode", nargs="?", choices=("measure", "one"), default="measure")
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--url", default=os.environ.get("PODIUM_TEST_POSTGRES_URL") or DEFAULT_URL)
    p.add_argument("--n", type=int, default=None, help="workflows in flight (default 10,000)")
    p.add_argument("--sleep", type=float, default=5.0, help="seconds each sleeps durably")
    p.add_argument("--concurrency", type=int, default=16, help="worker threads")
    args = p.parse_args(argv)
    args.n = args.n or (500 if args.quick else 10_000)
    if args.mode == "one":
        print(json.dumps(one_run(args)), flush=True)
        return
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
    line.update({name: common.summary(values, 2) for name, values in rounds.items()})
    line["note"] = "each run in a fresh process; peak = ru_maxrss of that process"
    line["median_wall_s"] = round(statistics.median(rounds["wall_s"]), 2)
    common.emit(line)


if __name__ == "__main__":
    main()
