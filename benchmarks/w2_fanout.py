"""W2 fan-out: one workflow submits 1,000 trivial steps in parallel, gathers them, sums them.

Fan-out (`step.submit(...)` and `podium.gather(...)`, API.md) is not built yet. Until it is,
this prints one line with "status": "not yet" and measures nothing. Once both names exist it
runs the workload with a background worker and reports wall seconds (median of runs) next to
the floor of one commit per child step plus start and end.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common, floor
from podium import step as step_mod

RESULT_TIMEOUT = 600.0


def add_one(x: int) -> int:
    """The trivial step."""
    return x + 1


def available() -> bool:
    """Whether this podium has the fan-out API the workload needs."""
    return hasattr(podium, "gather") and hasattr(step_mod.StepDefinition, "submit")


def define(app: podium.App) -> Any:
    """One step and the fan-out workflow."""
    # Looked up by name: these attributes do not exist until fan-out lands.
    submit: Any = getattr(app.step(add_one), "submit")  # noqa: B009
    gather: Any = getattr(podium, "gather")  # noqa: B009

    @app.workflow
    def fan_out(n: int) -> int:
        futures = [submit(i) for i in range(n)]
        return sum(gather(*futures))

    return fan_out


def one_run(args: Any) -> float:
    """Wall seconds of one run on a fresh file (result checked)."""
    with common.fresh_app(args.synchronous, define) as (app, wf, _path):
        with app.worker(concurrency=args.concurrency):
            wall, total = common.timed(lambda: app.start(wf, args.fanout).result(RESULT_TIMEOUT))
    expected = args.fanout * (args.fanout + 1) // 2
    if total != expected:
        raise SystemExit(f"W2: sum {total!r}, expected {expected}")
    return float(wall)


def measured_line(args: Any, n_runs: int) -> dict[str, Any]:
    """Run W2 `n_runs` times with its floor interleaved; the JSON line."""
    walls, floors = [], []
    for r in range(n_runs):
        walls.append(one_run(args))
        floors.append(floor.commits_seconds(args.synchronous, args.fanout + 2))
        common.note(f"W2 run {r + 1}/{n_runs}: {walls[-1]:.3f} s")
    engine = common.summary(walls, 4)
    floor_wall = common.summary(floors, 5)
    return {
        **common.header("W2", "worker", args.synchronous, n_runs),
        "status": "measured",
        "fanout": args.fanout,
        "concurrency": args.concurrency,
        "metric": "wall_s",
        **engine,
        "floor": {"what": "1 autocommit INSERT per child step + start + end", "wall_s": floor_wall},
        "times_floor": common.ratio(engine["median"], floor_wall["median"]),
    }


def not_yet_line(args: Any) -> dict[str, Any]:
    """The honest line while fan-out does not exist."""
    return {
        **common.header("W2", "worker", args.synchronous, 0),
        "status": "not yet",
        "reason": "fan-out (step.submit / podium.gather) is not built yet; nothing measured",
        "fanout": args.fanout,
        "median": None,
        "values": [],
    }


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "W2")
    p.add_argument("--fanout", type=int, default=None, help="parallel steps (default 1000)")
    p.add_argument("--concurrency", type=int, default=8, help="worker threads")
    args = p.parse_args(argv)
    args.fanout = args.fanout or (100 if args.quick else 1000)
    if not available():
        common.emit(not_yet_line(args))
        return
    common.emit(measured_line(args, common.runs(args)))


if __name__ == "__main__":
    main()
