"""Telemetry overhead: W1 (N workflows x 5 trivial steps) with telemetry off and on.

The two are interleaved run by run on fresh SQLite files, in the `worker` and `run`
variants of W1; telemetry on means the step observer and run listener count every attempt
and run in memory and the worker's flusher writes the rollups every second (anomaly
scoring on, so the scorer runs in the same process). Target: < 5% fewer steps per second.

Beside the wall-clock rates it reports the process's CPU seconds per step (every thread:
the worker, its flusher and scorer), on and off. On a machine shared with other work the
wall clock swings by more than the 5% looked for; the CPU a step costs moves much less, so
`cpu_overhead` says what telemetry costs when `overhead` is lost in the noise.

Each round runs off and on back to back (alternating which goes first), and the overheads
are the median over rounds of each round's own ratio, on against off: a slow spell of the
machine that falls on one round moves both of its runs, so it moves that round's ratio much
less than it moves either median rate. `quartiles` gives the spread of those ratios; the
medians of the on and off rates are reported too.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common, w1_sequential

TARGET_OVERHEAD = 0.05


def one_run(variant: str, on: bool, args: Any) -> tuple[float, float]:
    """Wall and CPU seconds of one W1 run of `variant`, telemetry on or off (results checked).

    The CPU seconds are the whole process's while the workflows ran, the worker's start and
    stop (and with it the last flush) included.
    """
    with common.fresh_app(args.synchronous, w1_sequential.define(args.steps)) as (app, wf, path):
        if on:
            app.telemetry(flush_interval=1.0)
        cpu = time.process_time()
        if variant == "worker":
            wall, results = w1_sequential.run_worker(app, wf, args.n, args.concurrency)
        else:
            wall, results = w1_sequential.run_inline(app, wf, args.n)
        cpu = time.process_time() - cpu
        w1_sequential.check(path, results, args.n, args.steps)
        if on:
            app.scaling()  # the last counts are written
            rows = app.store.connector.query("SELECT sum(starts) AS n FROM podium_telemetry", {})
            counted = int(rows[0]["n"] or 0)
            expected = args.n * args.steps + args.n  # step attempts + workflow starts
            if counted != expected:
                raise SystemExit(f"telemetry counted {counted} starts, expected {expected}")
    return float(wall), cpu


def paired(numerators: list[float], denominators: list[float]) -> dict[str, Any]:
    """The median and quartiles of each round's ratio numerator / denominator."""
    ratios = [a / b for a, b in zip(numerators, denominators, strict=True)]
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    return {"median": statistics.median(ratios), "quartiles": [quartiles[0], quartiles[2]]}


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "telemetry overhead")
    p.add_argument("--n", type=int, default=None, help="workflows (default 500; --quick 100)")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--concurrency", type=int, default=8)
    args = p.parse_args(argv)
    args.n = args.n or (100 if args.quick else 500)
    n_runs = common.runs(args)
    steps = args.n * args.steps
    for variant in w1_sequential.VARIANTS:
        rates: dict[str, list[float]] = {"off": [], "on": []}
        cpu_us: dict[str, list[float]] = {"off": [], "on": []}
        for r in range(n_runs):
            for label in ("off", "on") if r % 2 == 0 else ("on", "off"):
                wall, cpu = one_run(variant, label == "on", args)
                rates[label].append(steps / wall)
                cpu_us[label].append(cpu / steps * 1e6)
            common.note(
                f"{variant} run {r + 1}/{n_runs}: off {rates['off'][-1]:,.0f}, "
                f"on {rates['on'][-1]:,.0f} steps/s"
            )
        off, on = common.summary(rates["off"], 1), common.summary(rates["on"], 1)
        slower = paired(rates["off"], rates["on"])  # off/on rate: > 1 when on is slower
        costlier = paired(cpu_us["on"], cpu_us["off"])
        overhead = 1.0 - 1.0 / slower["median"]
        common.emit(
            {
                **common.header("telemetry_overhead", variant, args.synchronous, n_runs),
                "n": args.n,
                "steps": args.steps,
                "metric": "steps_per_s",
                "off": off,
                "on": on,
                "overhead": round(overhead, 4),
                "overhead_quartiles": [round(1.0 - 1.0 / q, 4) for q in slower["quartiles"]],
                "overhead_of_medians": round(1.0 - on["median"] / off["median"], 4),
                "cpu_us_per_step": {
                    "off": common.summary(cpu_us["off"], 2),
                    "on": common.summary(cpu_us["on"], 2),
                },
                "cpu_overhead": round(costlier["median"] - 1.0, 4),
                "cpu_overhead_quartiles": [round(q - 1.0, 4) for q in costlier["quartiles"]],
                "target": {"overhead_max": TARGET_OVERHEAD, "met": overhead < TARGET_OVERHEAD},
            }
        )


if __name__ == "__main__":
    main()
