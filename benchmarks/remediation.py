"""Remediation: detection delay on a synthetic incident, and the cost of evaluating rules.

1. **incident** (`podium demo --incident`'s scenario, on the real engine and a SQLite store
   under a fake clock): a shop takes checkouts at a steady rate; after a 70-minute warm-up
   the payment gateway times out 80% of charges for 10 minutes. Measured per seed: minutes
   from the outage's start to the first anomaly and to the first remediation action, the
   checkouts still failed at the end, the calls that reached the dead gateway, and the
   time to recovery (outage start until the last checkout started before the outage's end
   completed; unbounded when some never did). Baseline in the same run, alternated seed by
   seed: the same shop without rules (nobody acts: the breaker never opens, failed checkouts
   stay failed).
2. **evaluation** cost per tick with N rules (N = 1, 10, 100), each a `FailureRate` on its own
   step series over a store holding two hours of rollups for 100 steps; baseline in the same
   run: N rules whose condition is `lambda s: False` (the rule bookkeeping alone: the tick's
   compare-and-set and the cooldown read). Reported: median milliseconds per tick and
   microseconds per rule.

3. **steady**: false anomalies on a steady load. A day (1,440 minutes; --quick: 6 hours) of
   rollups like telemetry writes them (step `charge`: 30 calls a minute, latency lognormal
   around 100 ms, about one failure in 100 calls; its workflow; the queue's arrivals, Poisson
   around 30 a minute) scored minute by minute by the real `Scorer` on a SQLite store.
   Reported: anomalies per day (target <= 1). Baseline in the same run on the same points: a
   3-sigma rule over the last 30 minutes of each metric (a typical static alert).

Usage: python benchmarks/remediation.py [--runs N] [--quick]
Prints JSON lines on stdout (one per workload and variant), progress on stderr.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common
from podium.cli import incident
from podium.clock import FakeClock
from podium.intelligence import actions, conditions
from podium.patterns import insight, remediation, telemetry
from podium.store import telemetry as telemetry_store

START = 1_700_000_040.0


def incident_run(seed: int, remediate: bool, per_minute: int) -> dict[str, Any]:
    """One incident, measured."""
    scenario = incident.Scenario(per_minute=per_minute, seed=seed, remediate=remediate)
    report = incident.run(scenario)
    anomaly = next(
        (e for e in report.events if e.kind == "anomaly" and e.text.startswith("step charge")),
        None,
    )
    action = report.first("decision")
    ttr = None if report.recovered_at is None else report.recovered_at - report.outage_start
    return {
        "detect_min": None if anomaly is None else (anomaly.at - report.outage_start) / 60,
        "act_min": None if action is None else (action.at - report.outage_start) / 60,
        "failed": report.failed,
        "calls_while_down": report.calls_while_down,
        "ttr_min": None if ttr is None else ttr / 60,
        "checkouts": report.checkouts,
    }


def median_of(values: list[Any]) -> float | None:
    """The median of the defined values (None when there is none)."""
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 3) if known else None


def bench_incident(n_runs: int, per_minute: int) -> None:
    results: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for r in range(n_runs):
        order = (True, False) if r % 2 == 0 else (False, True)
        for remediate in order:
            results[remediate].append(incident_run(100 + r, remediate, per_minute))
        common.note(f"incident run {r + 1}/{n_runs}: {results[True][-1]} vs {results[False][-1]}")
    medians = {
        label: {key: median_of([x[key] for x in results[flag]]) for key in results[flag][0]}
        for label, flag in (("remediation", True), ("none", False))
    }
    for label, flag in (("remediation", True), ("none", False)):
        line = {
            **common.header("remediation-incident", label, "normal", n_runs),
            "per_minute": per_minute,
            **{f"{k}_median": v for k, v in medians[label].items()},
            "runs_detail": results[flag],
        }
        if flag:
            base = medians["none"]
            line["failed_ratio_vs_none"] = common.ratio(
                medians[label]["failed"] or 0.0, base["failed"] or 0.0
            )
            line["gateway_calls_ratio_vs_none"] = common.ratio(
                medians[label]["calls_while_down"] or 0.0, base["calls_while_down"] or 0.0
            )
            line["recovered_runs"] = sum(x["ttr_min"] is not None for x in results[flag])
            line["recovered_runs_without"] = sum(x["ttr_min"] is not None for x in results[False])
        common.emit(line)


# -- evaluation cost ------------------------------------------------------------------------


def seeded_app(folder: str, clock: FakeClock) -> podium.App:
    """An app on a new store holding two hours of rollups for 100 steps."""
    app = podium.App("bench", database_url=f"sqlite:///{common.database_path(folder)}", clock=clock)
    book = app.store.feature(telemetry_store.TelemetryStore)
    rows = []
    for minute in range(120):
        for k in range(100):
            sketch = telemetry.Sketch({telemetry.Sketch.bucket(0.1): 30})
            rollup = telemetry.Rollup(starts=30, completions=29, failures=1, latency=sketch)
            rows.append(rollup.row(f"step:s{k}", int(START) + 60 * minute, "p1"))
    book.put(rows, START)
    return app


def tick_cost(n_rules: int, telemetry_rules: bool, ticks: int) -> tuple[float, float]:
    """Median seconds of one evaluation tick with `n_rules` rules (none fires), and the
    median rows it writes (the rowcount of every write statement of the tick)."""
    with common.temp_dir() as folder:
        clock = FakeClock(START + 120 * 60)
        app = seeded_app(folder, clock)
        try:
            for k in range(n_rules):
                when: Any = (
                    conditions.FailureRate(f"s{k}", above=0.5, over=300, min_count=10)
                    if telemetry_rules
                    else (lambda s: False)
                )
                app.remediate(f"rule-{k}", when=when, do=actions.publish("never"))
            rt = app.runtime
            queues = app.served_queues()
            remediation.evaluate(rt, app.rules, queues, clock.time())  # rows created
            written = [0]
            connector = rt.store.connector
            execute = connector.execute

            def counted(*args: Any, **kwargs: Any) -> Any:
                done = execute(*args, **kwargs)
                written[0] += max(0, done.rowcount)
                return done

            connector.execute = counted  # type: ignore[method-assign]
            samples, rows = [], []
            for _ in range(ticks):
                clock.advance(remediation.TICK)
                written[0] = 0
                started = time.perf_counter()
                made = remediation.evaluate(rt, app.rules, queues, clock.time())
                samples.append(time.perf_counter() - started)
                rows.append(written[0])
                if made:
                    raise SystemExit(f"a rule fired in the cost benchmark: {made}")
            return statistics.median(samples), statistics.median(rows)
        finally:
            app.close()


def bench_evaluation(n_runs: int, sizes: list[int], ticks: int) -> None:
    for n in sizes:
        cost: dict[str, list[float]] = {"failure_rate": [], "constant": []}
        rows: dict[str, list[float]] = {"failure_rate": [], "constant": []}
        for r in range(n_runs):
            order = ("failure_rate", "constant") if r % 2 == 0 else ("constant", "failure_rate")
            for label in order:
                seconds, written = tick_cost(n, label == "failure_rate", ticks)
                cost[label].append(seconds)
                rows[label].append(written)
        for label in ("failure_rate", "constant"):
            per_tick = statistics.median(cost[label])
            line = {
                **common.header("remediation-evaluation", label, "normal", n_runs),
                "rules": n,
                "ticks_per_run": ticks,
                "ms_per_tick": common.summary([c * 1000 for c in cost[label]], 3),
                "us_per_rule": round(per_tick * 1e6 / n, 1),
                "rows_written_per_tick_median": statistics.median(rows[label]),
            }
            if label == "failure_rate":
                line["ratio_vs_constant"] = common.ratio(
                    per_tick, statistics.median(cost["constant"])
                )
            common.emit(line)
            common.note(f"evaluation {label} n={n}: {per_tick * 1000:.2f} ms a tick")


# -- false anomalies on a steady load ------------------------------------------------------


def steady_rows(minute: int, rng: random.Random) -> list[telemetry_store.RollupRow]:
    """One steady minute of a step, its workflow and its queue."""
    at = int(START) + 60 * minute
    calls = 30
    step, flow = telemetry.Sketch(), telemetry.Sketch()
    failures = sum(rng.random() < 0.01 for _ in range(calls))
    for _ in range(calls):
        seconds = 0.1 * math.exp(rng.gauss(0.0, 0.3))
        step.add(seconds)
        flow.add(seconds + 0.05)
    arrivals = max(0, round(rng.gauss(30, math.sqrt(30))))
    rollups = {
        "step:charge": telemetry.Rollup(
            starts=calls, completions=calls - failures, failures=failures, latency=step
        ),
        "workflow:checkout": telemetry.Rollup(
            starts=calls, completions=calls - failures, failures=failures, latency=flow
        ),
        "queue:default": telemetry.Rollup(
            arrivals=arrivals, completions=calls, depth=0, wait_sum=calls * 0.01, wait_count=calls
        ),
    }
    return [r.row(series, at, "p1") for series, r in rollups.items()]


def three_sigma(points: list[tuple[float, float]], window: int = 30) -> int:
    """Points more than 3 standard deviations from the mean of the previous `window`."""
    found = 0
    for i in range(window, len(points)):
        before = [v for _, v in points[i - window : i]]
        sd = statistics.pstdev(before)
        if sd > 0 and abs(points[i][1] - statistics.fmean(before)) > 3 * sd:
            found += 1
    return found


def steady_run(minutes: int, seed: int) -> tuple[int, int]:
    """(anomalies the Scorer raised, 3-sigma alarms) over `minutes` of steady load."""
    rng = random.Random(seed)
    with common.temp_dir() as folder:
        clock = FakeClock(START)
        url = f"sqlite:///{common.database_path(folder)}"
        app = podium.App("bench", database_url=url, clock=clock)
        try:
            book = app.store.feature(telemetry_store.TelemetryStore)
            scorer = insight.Scorer(app.runtime, grace=15.0)
            raised = 0
            for minute in range(minutes):
                book.put(steady_rows(minute, rng), START + 60 * minute)
                raised += len(scorer.run_once(START + 60 * (minute + 1) + 20))
            merged = telemetry.rollups(app.store, START, START + 60 * (minutes + 1))
        finally:
            app.close()
    alarms = 0
    last = int(START) + 60 * (minutes - 1)
    for series, by_minute in merged.items():
        for _metric, value, zero_fill in insight.METRICS[series.partition(":")[0]]:
            alarms += three_sigma(insight.points(by_minute, value, zero_fill, last))
    return raised, alarms


def bench_steady(n_runs: int, minutes: int) -> None:
    raised, alarms = [], []
    for r in range(n_runs):
        found, baseline = steady_run(minutes, seed=200 + r)
        raised.append(found * 1440 / minutes)
        alarms.append(baseline * 1440 / minutes)
        common.note(f"steady run {r + 1}/{n_runs}: {found} anomalies, 3-sigma {baseline}")
    for label, values in (("scorer", raised), ("three_sigma", alarms)):
        line = {
            **common.header("remediation-steady", label, "normal", n_runs),
            "minutes": minutes,
            "metric": "false_anomalies_per_day",
            **common.summary(values, 2),
            "target_per_day": 1,
        }
        if label == "scorer":
            line["ratio_vs_three_sigma"] = common.ratio(
                statistics.median(raised), statistics.median(alarms)
            )
        common.emit(line)


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "remediation")
    p.add_argument("--per-minute", type=int, default=4, help="checkouts per simulated minute")
    args = p.parse_args(argv)
    n_runs = common.runs(args)
    bench_incident(n_runs, 2 if args.quick else args.per_minute)
    sizes = [1, 10] if args.quick else [1, 10, 100]
    bench_evaluation(n_runs, sizes, 5 if args.quick else 20)
    bench_steady(n_runs, 360 if args.quick else 1440)


if __name__ == "__main__":
    main()
