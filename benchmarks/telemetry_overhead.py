"""Telemetry overhead: W1 (N workflows x 5 trivial steps) with telemetry off and on.

The two are interleaved run by run on fresh SQLite files, in the `worker` and `run`
variants of W1; telemetry on means the step observer and run listener count every attempt
and run in memory and the worker's flusher writes the rollups every second (anomaly
scoring on, so the scorer runs in the same process). Target: < 5% fewer steps per second.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common, w1_sequential

TARGET_OVERHEAD = 0.05


def one_run(variant: str, on: bool, args: Any) -> float:
    """Wall seconds of one W1 run of `variant`, telemetry on or off (results checked)."""
    with common.fresh_app(args.synchronous, w1_sequential.define(args.steps)) as (app, wf, path):
        if on:
            app.telemetry(flush_interval=1.0)
        if variant == "worker":
            wall, results = w1_sequential.run_worker(app, wf, args.n, args.concurrency)
        else:
            wall, results = w1_sequential.run_inline(app, wf, args.n)
        w1_sequential.check(path, results, args.n, args.steps)
        if on:
            app.scaling()  # the last counts are written
            rows = app.store.connector.query("SELECT sum(starts) AS n FROM podium_telemetry", {})
            counted = int(rows[0]["n"] or 0)
            expected = args.n * args.steps + args.n  # step attempts + workflow starts
            if counted != expected:
                raise SystemExit(f"telemetry counted {counted} starts, expected {expected}")
    return float(wall)


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
        for r in range(n_runs):
            for label in ("off", "on") if r % 2 == 0 else ("on", "off"):
                rates[label].append(steps / one_run(variant, label == "on", args))
            common.note(
                f"{variant} run {r + 1}/{n_runs}: off {rates['off'][-1]:,.0f}, "
                f"on {rates['on'][-1]:,.0f} steps/s"
            )
        off, on = common.summary(rates["off"], 1), common.summary(rates["on"], 1)
        overhead = 1.0 - on["median"] / off["median"]
        common.emit(
            {
                **common.header("telemetry_overhead", variant, args.synchronous, n_runs),
                "n": args.n,
                "steps": args.steps,
                "metric": "steps_per_s",
                "off": off,
                "on": on,
                "overhead": round(overhead, 4),
                "target": {"overhead_max": TARGET_OVERHEAD, "met": overhead < TARGET_OVERHEAD},
            }
        )


if __name__ == "__main__":
    main()
