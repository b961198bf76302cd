"""W3 latency: 200 one-step workflows, one at a time, start-to-result p50/p99 in ms.

Variants (one JSON line each):
  worker  background worker in this process; `app.start(...)` then `handle.result()`
  run     `app.run(...)` in this thread
Each run uses a fresh SQLite file and first runs a few uncounted warm-up workflows.
Baselines from the same runs: the floor (3 autocommit INSERTs per workflow: start, step,
end) and the same workflow as a plain Python call.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common, floor

VARIANTS = ("worker", "run")
WARMUP = 5
COMMITS_PER_WORKFLOW = 3
TARGET_P50_MS = 2.0
RESULT_TIMEOUT = 60.0


def echo(x: int) -> int:
    """The trivial step."""
    return x + 1


def plain_workflow(x: int) -> int:
    """The workflow as a plain Python call (baseline)."""
    return echo(x)


def define(app: podium.App) -> Any:
    """One step and a one-step workflow."""
    step = app.step(echo)

    @app.workflow
    def one_step(x: int) -> int:
        return step(x)

    return one_step


def latencies(call: Any, count: int) -> list[float]:
    """Seconds from start to result of `call(i)` for each of `count` calls, after warm-up."""
    for i in range(WARMUP):
        _expect(call(-1 - i), -i)
    out = []
    for i in range(count):
        start = time.perf_counter()
        result = call(i)
        out.append(time.perf_counter() - start)
        _expect(result, i + 1)
    return out


def _expect(result: Any, expected: int) -> None:
    if result != expected:
        raise SystemExit(f"W3: workflow returned {result!r}, expected {expected}")


def one_engine_run(variant: str, args: Any) -> list[float]:
    """Latencies of one engine run of `variant` on a fresh file."""
    with common.fresh_app(args.synchronous, define) as (app, wf, _path):
        if variant == "run":
            return latencies(lambda i: app.run(wf, i), args.count)
        with app.worker(concurrency=args.concurrency, **common.worker_options(args.cpu)):
            return latencies(lambda i: app.start(wf, i).result(timeout=RESULT_TIMEOUT), args.count)


def measure(args: Any, variants: list[str], n_runs: int) -> dict[str, list[list[float]]]:
    """Latency lists per run for each variant, the floor and plain calls, interleaved."""
    lat: dict[str, list[list[float]]] = {name: [] for name in [*variants, "floor", "plain"]}
    for r in range(n_runs):
        for variant in variants:
            lat[variant].append(one_engine_run(variant, args))
        lat["floor"].append(
            floor.commit_group_latencies(args.synchronous, args.count, COMMITS_PER_WORKFLOW)
        )
        lat["plain"].append(latencies(plain_workflow, args.count))
        common.note(f"W3 run {r + 1}/{n_runs}: " + _progress(lat))
    return lat


def _progress(lat: dict[str, list[list[float]]]) -> str:
    return ", ".join(f"{k} p50 {statistics.median(v[-1]) * 1e3:.3f} ms" for k, v in lat.items())


def percentiles(runs: list[list[float]], digits: int = 4) -> dict[str, Any]:
    """p50 and p99 in ms: median over runs with every run's value, and over all samples."""
    p50 = [common.percentile(r, 50) * 1e3 for r in runs]
    p99 = [common.percentile(r, 99) * 1e3 for r in runs]
    pooled = [x for r in runs for x in r]
    return {
        "p50_ms": common.summary(p50, digits),
        "p99_ms": common.summary(p99, digits),
        "pooled_p50_ms": round(common.percentile(pooled, 50) * 1e3, digits),
        "pooled_p99_ms": round(common.percentile(pooled, 99) * 1e3, digits),
        "max_ms": round(max(pooled) * 1e3, digits),
    }


def line(variant: str, lat: dict[str, list[list[float]]], args: Any, n_runs: int) -> dict[str, Any]:
    """The JSON line of one variant, with floor and plain-call baselines and ratios."""
    engine = percentiles(lat[variant])
    floor_p = percentiles(lat["floor"], digits=5)
    plain = percentiles(lat["plain"], digits=6)
    p50 = engine["p50_ms"]["median"]
    return {
        **common.header("W3", variant, args.synchronous, n_runs),
        "count": args.count,
        "warmup": WARMUP,
        "concurrency": args.concurrency if variant == "worker" else 1,
        "worker_cpu": args.cpu if variant == "worker" else None,
        "metric": "p50_ms",
        "median": p50,
        "values": engine["p50_ms"]["values"],
        **engine,
        "floor": {
            "what": f"{COMMITS_PER_WORKFLOW} autocommit INSERTs per workflow",
            **floor_p,
        },
        "plain": {"what": "the workflow as a plain Python call", **plain},
        "times_floor_p50": common.ratio(p50, floor_p["p50_ms"]["median"]),
        "times_floor_p99": common.ratio(engine["p99_ms"]["median"], floor_p["p99_ms"]["median"]),
        "target": {"p50_ms_max": TARGET_P50_MS, "met": p50 <= TARGET_P50_MS},
    }


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "W3")
    p.add_argument("--count", type=int, default=None, help="workflows per run (default 200)")
    p.add_argument("--concurrency", type=int, default=8, help="worker threads (worker variant)")
    common.cpu_option(p)
    p.add_argument("--variant", choices=[*VARIANTS, "all"], default="all")
    args = p.parse_args(argv)
    args.count = args.count or (50 if args.quick else 200)
    n_runs = common.runs(args)
    variants = list(VARIANTS) if args.variant == "all" else [args.variant]
    lat = measure(args, variants, n_runs)
    for variant in variants:
        common.emit(line(variant, lat, args, n_runs))


if __name__ == "__main__":
    main()
