"""W1 sequential: N workflows x 5 trivial steps, every step checkpointed, on SQLite.

Variants (one JSON line each):
  worker  `with app.worker(concurrency=C):` start all N, then wait for all results
  run     `app.run(...)` N times, one after another, in this thread
Each run uses a fresh SQLite file. Baselines measured in the same runs, interleaved: the
floor (one autocommit INSERT per needed commit: start + steps + end per workflow) and the same
workload as plain Python calls.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common, floor

VARIANTS = ("worker", "run")
TARGET_TIMES_FLOOR = 3.0
TARGET_STEPS_PER_S = 10_000
RESULT_TIMEOUT = 300.0


def add_one(x: int) -> int:
    """The trivial step."""
    return x + 1


def plain_workflow(x: int, steps: int) -> int:
    """The workload as plain Python calls (baseline)."""
    for _ in range(steps):
        x = add_one(x)
    return x


def define(steps: int) -> Any:
    """A definer for `common.fresh_app`: one step and one `steps`-step workflow."""

    def register(app: podium.App) -> Any:
        step = app.step(add_one)

        @app.workflow
        def sequential(x: int) -> int:
            for _ in range(steps):
                x = step(x)
            return x

        return sequential

    return register


def run_worker(
    app: podium.App, wf: Any, n: int, concurrency: int, cpu: int | str | None = None
) -> tuple[float, list[Any]]:
    """Start all N with a background worker running, wait for every result."""
    with app.worker(concurrency=concurrency, **common.worker_options(cpu)):
        return common.timed(
            lambda: [h.result(timeout=RESULT_TIMEOUT) for h in [app.start(wf, i) for i in range(n)]]
        )


def run_inline(app: podium.App, wf: Any, n: int) -> tuple[float, list[Any]]:
    """`app.run` N times, one after another."""
    return common.timed(lambda: [app.run(wf, i) for i in range(n)])


def check(path: str, results: list[Any], n: int, steps: int) -> None:
    """Every result right, every step checkpointed: a benchmark must not measure a bug."""
    expected = [i + steps for i in range(n)]
    if results != expected:
        raise SystemExit(f"W1: wrong results (first: {results[:3]}, expected {expected[:3]})")
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT COUNT(*) FROM podium_history WHERE status='completed'")
        done = conn.execute("SELECT COUNT(*) FROM podium_workflows WHERE status='completed'")
        counts = rows.fetchone()[0], done.fetchone()[0]
    finally:
        conn.close()
    if counts != (n * steps, n):
        raise SystemExit(
            f"W1: store holds {counts} (history, workflows), expected {(n * steps, n)}"
        )


def one_engine_run(variant: str, args: Any) -> float:
    """Wall seconds of one engine run of `variant` on a fresh file (checked)."""
    with common.fresh_app(args.synchronous, define(args.steps)) as (app, wf, path):
        if variant == "worker":
            wall, results = run_worker(app, wf, args.n, args.concurrency, args.cpu)
        else:
            wall, results = run_inline(app, wf, args.n)
        check(path, results, args.n, args.steps)
    return float(wall)


def measure(args: Any, variants: list[str], n_runs: int) -> dict[str, list[float]]:
    """Interleave engine variants, floor and plain calls run by run; wall seconds of each."""
    walls: dict[str, list[float]] = {name: [] for name in [*variants, "floor", "plain"]}
    commits = args.n * (args.steps + 2)
    for r in range(n_runs):
        for variant in variants:
            walls[variant].append(one_engine_run(variant, args))
        walls["floor"].append(floor.commits_seconds(args.synchronous, commits))
        walls["plain"].append(
            common.timed(lambda: [plain_workflow(i, args.steps) for i in range(args.n)])[0]
        )
        common.note(f"W1 run {r + 1}/{n_runs}: " + _progress(walls, args))
    return walls


def _progress(walls: dict[str, list[float]], args: Any) -> str:
    steps = args.n * args.steps
    return ", ".join(f"{k} {steps / v[-1]:,.0f} steps/s" for k, v in walls.items())


def line(variant: str, walls: dict[str, list[float]], args: Any, n_runs: int) -> dict[str, Any]:
    """The JSON line of one variant, with the floor and plain-call baselines and ratios."""
    steps = args.n * args.steps
    engine = common.summary([steps / w for w in walls[variant]], 1)
    floor_rate = common.summary([steps / w for w in walls["floor"]], 1)
    plain = common.summary([steps / w for w in walls["plain"]], 1)
    out: dict[str, Any] = {
        **common.header("W1", variant, args.synchronous, n_runs),
        "n": args.n,
        "steps": args.steps,
        "concurrency": args.concurrency if variant == "worker" else 1,
        "worker_cpu": args.cpu if variant == "worker" else None,
        "metric": "steps_per_s",
        **engine,
        "workflows_per_s": common.summary([args.n / w for w in walls[variant]], 1),
        "wall_s": common.summary(walls[variant], 4),
        "floor": {
            "what": f"1 autocommit INSERT per commit, {args.steps + 2} commits per workflow",
            "steps_per_s": floor_rate,
            "commits_per_s": round(floor_rate["median"] * (args.steps + 2) / args.steps, 1),
        },
        "plain": {"what": "same workload as plain Python calls", "steps_per_s": plain},
        "ratio_engine_floor": common.ratio(engine["median"], floor_rate["median"]),
        "times_floor": common.ratio(floor_rate["median"], engine["median"]),
        "ratio_engine_plain": common.ratio(engine["median"], plain["median"]),
    }
    times_floor = out["times_floor"] or 0.0
    out["target"] = {
        "times_floor_max": TARGET_TIMES_FLOOR,
        "steps_per_s": TARGET_STEPS_PER_S,
        "met_floor": times_floor <= TARGET_TIMES_FLOOR,
        "met_steps_per_s": engine["median"] >= TARGET_STEPS_PER_S,
    }
    return out


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "W1")
    p.add_argument("--n", type=int, default=None, help="workflows (default 500; --quick 100)")
    p.add_argument("--steps", type=int, default=5, help="steps per workflow")
    p.add_argument("--concurrency", type=int, default=8, help="worker threads (worker variant)")
    common.cpu_option(p)
    p.add_argument("--variant", choices=[*VARIANTS, "all"], default="all")
    args = p.parse_args(argv)
    args.n = args.n or (100 if args.quick else 500)
    n_runs = common.runs(args)
    variants = list(VARIANTS) if args.variant == "all" else [args.variant]
    walls = measure(args, variants, n_runs)
    for variant in variants:
        common.emit(line(variant, walls, args, n_runs))


if __name__ == "__main__":
    main()
