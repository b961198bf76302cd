"""ASL: a chain of 100 Pass/Choice states, as a podium workflow on SQLite, in states/s.

Variants (one JSON line each, medians over runs):
  asl_run      `app.run` of the ASL workflow (definition parsed and validated once)
  interpreter  the same machine in the bare interpreter, no store (where the time goes)
  python_run   `app.run` of a plain Python workflow doing the same work (the baseline)
Each execution walks 50 Pass states (`States.MathAdd($.n, 1)`) and 50 Choice states
(`$.n < 1000000`); the Python workflow does the same 50 additions and 50 comparisons.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common
from podium.asl.effects import LocalEffects
from podium.asl.interpreter import Interpreter

PAIRS = 50
STATES = 2 * PAIRS


def chain() -> dict[str, Any]:
    """The 100-state definition."""
    states: dict[str, Any] = {}
    for i in range(PAIRS):
        last = i == PAIRS - 1
        states[f"Add{i}"] = {
            "Type": "Pass",
            "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
            "Next": f"Check{i}",
        }
        rule = {"Variable": "$.n", "NumericLessThan": 1_000_000, "Next": "Done"}
        if not last:
            rule["Next"] = f"Add{i + 1}"
        states[f"Check{i}"] = {"Type": "Choice", "Choices": [rule], "Default": "TooBig"}
    states["Done"] = {"Type": "Succeed"}
    states["TooBig"] = {"Type": "Fail", "Error": "TooBig"}
    return {"StartAt": "Add0", "States": states}


def plain(data: dict[str, int]) -> dict[str, int]:
    """The same work as plain Python."""
    for _ in range(PAIRS):
        data = {"n": data["n"] + 1}
        if not data["n"] < 1_000_000:
            raise ValueError("TooBig")
    return data


def define(app: podium.App) -> tuple[Any, Any]:
    """The ASL workflow and the Python workflow."""
    asl = app.asl_workflow("chain", chain(), resources={})
    python = app.workflow(name="python_chain")(plain)
    return asl, python


def states_per_second(call: Any, count: int) -> float:
    """States per second over `count` executions of `call(i)` (after a warm-up)."""
    for i in range(3):
        _expect(call(i), i)
    start = time.perf_counter()
    for i in range(count):
        _expect(call(i), i)
    return count * STATES / (time.perf_counter() - start)


def _expect(result: Any, start: int) -> None:
    if result != {"n": start + PAIRS}:
        raise SystemExit(f"asl_chain: got {result!r}, expected n={start + PAIRS}")


def one_run(args: Any) -> dict[str, float]:
    """States/s of every variant on a fresh file."""
    out = {}
    with common.fresh_app(args.synchronous, define) as (app, (asl, python), _path):
        out["asl_run"] = states_per_second(lambda i: app.run(asl, {"n": i}), args.count)
        out["python_run"] = states_per_second(lambda i: app.run(python, {"n": i}), args.count)
    machine = chain()
    engine = Interpreter(LocalEffects(), "chain")
    out["interpreter"] = states_per_second(
        lambda i: engine.execute(machine, {"n": i}, f"e{i}"), args.count
    )
    return out


def main() -> None:
    p = common.parser(__doc__ or "")
    p.add_argument("--count", type=int, default=None, help="executions per run")
    args = p.parse_args()
    n_runs = common.runs(args)
    args.count = args.count or (20 if args.quick else 200)
    results: dict[str, list[float]] = {}
    for r in range(n_runs):
        for variant, value in one_run(args).items():
            results.setdefault(variant, []).append(value)
        common.note(f"asl_chain run {r + 1}/{n_runs}: {results}")
    baseline = common.summary(results["python_run"], 0)["median"]
    for variant, values in results.items():
        line = common.header("asl_chain", variant, args.synchronous, n_runs)
        stats = common.summary(values, 0)
        line.update(
            metric="states_per_s",
            median=stats["median"],
            values=stats["values"],
            states=STATES,
            executions=args.count,
            us_per_state=round(1e6 / stats["median"], 2),
            vs_python_run=common.ratio(stats["median"], baseline),
        )
        common.emit(line)


if __name__ == "__main__":
    main()
