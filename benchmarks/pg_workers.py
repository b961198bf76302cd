"""W1 and W3 on PostgreSQL with separate worker processes, next to the floor of the same run.

W1: N workflows x 5 trivial steps, run by 1 and by 4 worker processes (`--processes 1,4`),
each started by this script on a fresh schema with `--concurrency` threads. All N are
started first with a delay that makes them ready at one common moment, so the clock covers
execution only: wall = the last workflow's finish time in the store - that moment. The
starting rate of this single starter process is reported on the side (`start_per_s`).
W3: one-step workflows one at a time, start-to-result, p50/p99 in ms:
  `worker-process`  `app.start(...).result()` here, executed by one separate worker process
  `run`             `app.run(...)` in this process (no worker, no notification hop)
Floors measured in every run, interleaved: one-row autocommit INSERTs with synchronous_commit
on from 1, 4 and 8 connections (W1: 7 commits per workflow) and 3 sequential commits (W3).
Run `python benchmarks/pg_workers.py --help`; server from --url as in pg_floor.py.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common, cpu, pg_floor, w1_sequential, w3_latency
from podium import serialization

POLL_INTERVAL = 0.05
RESULT_TIMEOUT = 120.0
FLOOR_CONNECTIONS = (1, 4, 8)
COMMITS_PER_W1_WORKFLOW = 7
STARTS_PER_S_GUESS = 400.0
"""For the common ready moment: starting N workflows takes about N / this (plus a second)."""
LEAD_ATTEMPTS = 3


def define(app: podium.App, steps: int) -> tuple[Any, Any]:
    """W1's `sequential` and W3's `one_step` workflows on `app`."""
    return w1_sequential.define(steps)(app), w3_latency.define(app)


def make_app(url: str, steps: int) -> tuple[podium.App, Any, Any]:
    """An App on `url` with both workflows; its store opened (and migrated) now."""
    app = podium.App("bench", database_url=url, poll_interval=POLL_INTERVAL)
    sequential, one_step = define(app, steps)
    app.store.get_workflow("warm-up")
    return app, sequential, one_step


# -- worker processes ---------------------------------------------------------------------


def serve(url: str, concurrency: int, steps: int, cpu: int | str | None = None) -> None:
    """The worker process: serve `url` until SIGTERM."""
    app, _, _ = make_app(url, steps)
    worker = app.worker(concurrency=concurrency, **common.worker_options(cpu))
    print("up", flush=True)
    try:
        worker.run()
    finally:
        app.close()


@contextmanager
def worker_processes(
    url: str, count: int, concurrency: int, steps: int, cpu: int | str | None = None
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` worker processes serving `url`, up before the block, stopped after it."""
    logs = tempfile.TemporaryFile()
    command = [sys.executable, __file__, "worker", "--url", url]
    command += ["--concurrency", str(concurrency), "--steps", str(steps)]
    command += [] if cpu is None else ["--cpu", str(cpu)]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=logs, stdin=subprocess.DEVNULL)
        for _ in range(count)
    ]
    try:
        for proc in procs:
            _wait_up(proc, logs)
        yield procs
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            assert proc.stdout is not None
            proc.stdout.close()
        logs.close()


def _wait_up(proc: subprocess.Popen[bytes], logs: Any) -> None:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    if not ready or proc.stdout.readline().strip() != b"up":
        logs.seek(0)
        tail = logs.read().decode(errors="replace")[-3000:]
        raise SystemExit(f"a worker process did not start:\n{tail}")


# -- W1 -----------------------------------------------------------------------------------


def w1_run(url: str, processes: int, args: argparse.Namespace) -> dict[str, float]:
    """One valid W1 run: retried with a longer lead when starting overran the ready moment."""
    guess = STARTS_PER_S_GUESS
    for attempt in range(LEAD_ATTEMPTS):
        run = _w1_once(url, processes, args, 1.0 + args.n / guess)
        if not run["late"]:
            return {**run, "late": float(attempt)}
        common.note(f"W1: starting overran the ready moment ({run['start_per_s']:.0f}/s); again")
        guess = run["start_per_s"] / 2
    raise SystemExit(f"W1: starting {args.n} workflows overran the ready moment every time")


def _w1_once(url: str, processes: int, args: argparse.Namespace, lead: float) -> dict[str, float]:
    """One W1 run on a fresh schema (checked): wall seconds of execution, starts/s, late."""
    with pg_floor.fresh_schema(url) as schema:
        podium_url = pg_floor.with_query(url, schema=schema, pool_max=str(args.concurrency + 2))
        app, sequential, _ = make_app(podium_url, args.steps)
        name = f"w1-{schema}"
        worker_url = pg_floor.with_query(podium_url, application_name=name)
        try:
            pool = worker_processes(worker_url, processes, args.concurrency, args.steps, args.cpu)
            with pool as procs:
                begin = time.time()
                ready_at = begin + lead
                for i in range(args.n):
                    app.start(sequential, i, delay=max(0.0, ready_at - time.time()))
                started = time.time()
                time.sleep(max(0.0, ready_at - time.time()))
                before = _cpu(url, name, procs)
                finished = _wait_finished(url, schema, args.n)
                after = _cpu(url, name, procs)
            _check(url, schema, args.n, args.steps)
        finally:
            app.close()
    return {
        "wall": finished - ready_at,
        "start_per_s": args.n / (started - begin),
        "late": float(started > ready_at),
        "cpu_client_s": after[0] - before[0],
        "cpu_server_s": after[1] - before[1],
    }


def _cpu(url: str, name: str, procs: list[subprocess.Popen[bytes]]) -> tuple[float, float]:
    """CPU seconds so far of the worker processes and of the server backends serving them.

    The backends are found by the workers' `application_name`, so other clients of a shared
    server do not count; the WAL writer's share of the commits is left out (small, shared).
    """
    if not cpu.available():
        return (0.0, 0.0)
    with pg_floor.connect(url) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (name,)
        ).fetchall()
    backends = sum(cpu.process_cpu(int(pid)) for (pid,) in rows)
    return sum(cpu.process_cpu(p.pid) for p in procs), backends


def _wait_finished(url: str, schema: str, n: int) -> float:
    """Wait until all `n` have completed; the last finish time the store recorded."""
    deadline = time.monotonic() + RESULT_TIMEOUT
    with pg_floor.connect(url, schema) as conn:
        while True:
            row = conn.execute(
                "SELECT COUNT(*), MAX(updated_at) FROM podium_workflows WHERE status = 'completed'"
            ).fetchone()
            assert row is not None
            if row[0] >= n:
                return float(row[1])
            if time.monotonic() > deadline:
                raise SystemExit(f"W1: only {row[0]} of {n} workflows completed")
            time.sleep(0.01)


def _check(url: str, schema: str, n: int, steps: int) -> None:
    """Every result right and every step checkpointed once: never measure a bug."""
    with pg_floor.connect(url, schema) as conn:
        outputs = conn.execute("SELECT input, output FROM podium_workflows").fetchall()
        rows = conn.execute("SELECT COUNT(*) FROM podium_history WHERE status = 'completed'")
        history = rows.fetchone()
    wrong = [
        (i, o)
        for i, o in outputs
        if serialization.loads(o) != serialization.loads_call(i)[0][0] + steps
    ]
    if len(outputs) != n or wrong or history is None or history[0] != n * steps:
        raise SystemExit(f"W1 on PostgreSQL: wrong results {wrong[:3]} or history {history}")


# -- W3 -----------------------------------------------------------------------------------


def w3_run(url: str, variant: str, args: argparse.Namespace) -> list[float]:
    """Latencies of one W3 run of `variant` on a fresh schema."""
    with pg_floor.fresh_schema(url) as schema:
        podium_url = pg_floor.with_query(url, schema=schema)
        app, _, one_step = make_app(podium_url, args.steps)
        try:
            if variant == "run":
                return w3_latency.latencies(lambda i: app.run(one_step, i), args.count)
            with worker_processes(podium_url, 1, args.concurrency, args.steps, args.cpu):

                def call(i: int) -> Any:
                    return app.start(one_step, i).result(timeout=RESULT_TIMEOUT)

                return w3_latency.latencies(call, args.count)
        finally:
            app.close()


# -- measuring and reporting ----------------------------------------------------------------


def measure(url: str, args: argparse.Namespace, n_runs: int) -> dict[str, Any]:
    """Every engine variant and floor, interleaved run by run."""
    w1: dict[int, list[dict[str, float]]] = {p: [] for p in args.processes}
    w3: dict[str, list[list[float]]] = {"worker-process": [], "run": []}
    floor_rates: dict[int, list[float]] = {c: [] for c in FLOOR_CONNECTIONS}
    floor_lat: list[list[float]] = []
    commits = max(800, args.n * 2)
    for r in range(n_runs):
        for p in args.processes:
            w1[p].append(w1_run(url, p, args))
        for c in FLOOR_CONNECTIONS:
            floor_rates[c].append(pg_floor.commits_per_second(url, c, commits))
        for variant in w3:
            w3[variant].append(w3_run(url, variant, args))
        floor_lat.append(pg_floor.commit_group_latencies(url, args.count))
        common.note(f"pg run {r + 1}/{n_runs}: " + _progress(w1, w3, floor_rates, args))
    return {"w1": w1, "w3": w3, "floor_rates": floor_rates, "floor_lat": floor_lat}


def _progress(
    w1: dict[int, list[dict[str, float]]],
    w3: dict[str, list[list[float]]],
    floor_rates: dict[int, list[float]],
    args: argparse.Namespace,
) -> str:
    steps = args.n * args.steps
    parts = [f"W1 {p} proc {steps / runs[-1]['wall']:,.0f} steps/s" for p, runs in w1.items()]
    parts += [f"floor {c} conn {v[-1]:,.0f} commits/s" for c, v in floor_rates.items()]
    parts += [f"W3 {k} p50 {common.percentile(v[-1], 50) * 1e3:.2f} ms" for k, v in w3.items()]
    return ", ".join(parts)


def w1_line(p: int, data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The JSON line of W1 with `p` worker processes."""
    runs = data["w1"][p]
    steps = args.n * args.steps
    engine = common.summary([steps / run["wall"] for run in runs], 1)
    floor = {
        f"{c}_connections": {
            "commits_per_s": common.summary(rates, 1),
            "steps_per_s": round(common.summary(rates, 1)["median"] * args.steps / 7, 1),
        }
        for c, rates in data["floor_rates"].items()
    }
    same = min(FLOOR_CONNECTIONS, key=lambda c: abs(c - p))
    floor_steps = floor[f"{same}_connections"]["steps_per_s"]
    out: dict[str, Any] = {
        **pg_floor.header("W1", f"pg-{p}-process" + ("es" if p > 1 else ""), len(runs)),
        "processes": p,
        "concurrency_per_process": args.concurrency,
        "worker_cpu": args.cpu,
        "n": args.n,
        "steps": args.steps,
        "metric": "steps_per_s",
        **engine,
        "workflows_per_s": common.summary([args.n / run["wall"] for run in runs], 1),
        "wall_s": common.summary([run["wall"] for run in runs], 4),
        "start_per_s": common.summary([run["start_per_s"] for run in runs], 1),
        "late_starts": sum(int(run["late"]) for run in runs),
        **_cpu_fields(runs, steps),
        "floor": {
            "what": f"1 autocommit INSERT per commit, {COMMITS_PER_W1_WORKFLOW} per workflow",
            **floor,
        },
        "floor_compared": f"{same}_connections",
        "ratio_engine_floor": common.ratio(engine["median"], floor_steps),
    }
    base = data["w1"].get(1)
    if p != 1 and base:
        base_median = common.summary([steps / run["wall"] for run in base], 1)["median"]
        out["speedup_vs_1_process"] = common.ratio(engine["median"], base_median)
    return out


def _cpu_fields(runs: list[dict[str, float]], steps: int) -> dict[str, Any]:
    """CPU per step of the workers and their server backends, and the ceiling it sets here."""
    if not cpu.available():
        return {"cpu": None}
    client = common.summary([run["cpu_client_s"] / steps * 1e6 for run in runs], 1)
    server = common.summary([run["cpu_server_s"] / steps * 1e6 for run in runs], 1)
    per_step = client["median"] + server["median"]
    cores = os.cpu_count() or 1
    return {
        "cpu": {
            "client_us_per_step": client,
            "server_us_per_step": server,
            "cores": cores,
            "ceiling_steps_per_s": round(cores / per_step * 1e6, 1) if per_step else None,
            "what": "all cores busy with this work alone: cores / (client + server CPU per step)",
        }
    }


def w3_line(variant: str, data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The JSON line of one W3 variant with the 3-commit floor."""
    engine = w3_latency.percentiles(data["w3"][variant])
    floor = w3_latency.percentiles(data["floor_lat"], digits=5)
    p50 = engine["p50_ms"]["median"]
    return {
        **pg_floor.header("W3", f"pg-{variant}", len(data["w3"][variant])),
        "count": args.count,
        "warmup": w3_latency.WARMUP,
        "worker_processes": 1 if variant == "worker-process" else 0,
        "metric": "p50_ms",
        "median": p50,
        "values": engine["p50_ms"]["values"],
        **engine,
        "floor": {"what": "3 sequential autocommit INSERTs on one connection", **floor},
        "times_floor_p50": common.ratio(p50, floor["p50_ms"]["median"]),
        "target": {"p50_ms_max": 10.0, "met": p50 <= 10.0},
    }


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "W1/W3 on PostgreSQL")
    sub = p.add_subparsers(dest="command")
    worker = sub.add_parser("worker", help="(internal) serve as a worker process")
    worker.add_argument("--url", required=True)
    worker.add_argument("--concurrency", type=int, default=8)
    worker.add_argument("--steps", type=int, default=5)
    common.cpu_option(worker)
    p.add_argument("--url", default=None, help="PostgreSQL server URL")
    p.add_argument("--n", type=int, default=None, help="W1 workflows (default 2000; --quick 200)")
    p.add_argument("--steps", type=int, default=5, help="W1 steps per workflow")
    p.add_argument("--count", type=int, default=None, help="W3 workflows (default 200)")
    p.add_argument("--concurrency", type=int, default=8, help="threads per worker process")
    p.add_argument("--processes", default="1,4", help="W1 worker process counts, e.g. 1,2,4")
    common.cpu_option(p)
    args = p.parse_args(argv)
    if args.command == "worker":
        serve(args.url, args.concurrency, args.steps, args.cpu)
        return
    args.n = args.n or (200 if args.quick else 2000)
    args.count = args.count or (50 if args.quick else 200)
    args.processes = [int(x) for x in str(args.processes).split(",")]
    url = pg_floor.server_url(args)
    data = measure(url, args, common.runs(args))
    for count in args.processes:
        common.emit(w1_line(count, data, args))
    for variant in data["w3"]:
        common.emit(w3_line(variant, data, args))


if __name__ == "__main__":
    os.environ.pop("PODIUM_DATABASE_URL", None)
    main()
