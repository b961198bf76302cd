"""Scaling: podium's advice vs the workers a synthetic diurnal load needs, minute by minute.

A day (1,440 minutes) of arrivals to one queue: a daily curve from 2 to 20 arrivals per
second (trough at 04:00, peak at 16:00), Poisson noise, and three short bursts (x2.5 for
10 minutes). Each item takes 0.5 s of a worker. A simulated pool serves the queue: a worker
asked for starts serving `--start-lag` minutes later (default 1: a pod starting), a worker
let go stops at once.
Per minute the pool serves what its workers can (workers x 120 items); what it cannot stays
in the backlog; the wait of the minute is the backlog's drain time plus, when the pool is
not overloaded, the Erlang-C queueing delay of M/M/c at that load.

Policies, all measured in the same run on the same trace:

- **predictive**: `podium.patterns.insight.advise` on a real SQLite store, fed each minute
  with the minute's rollup (arrivals, service-time sketch, depth) like telemetry writes it:
  the Forecaster's upper band x service time at 80% utilisation plus the backlog drained in
  a minute, bounded to (1, 200), with its hysteresis kept in the store.
- **reactive** (what KEDA does alone on a queue-length trigger): workers = ceil(items
  waiting or arrived in the last minute / what one worker serves in a minute);
  **reactive-80** the same at 80% utilisation (the headroom the predictive advice keeps).
- **peak**: the day's peak need provisioned all day (ceil(peak arrivals/s x 0.5 / 0.8)).

Reported per policy: worker-minutes, the share of minutes whose wait is above the target
(10 s), the mean and p95 wait; ratios against reactive and peak. Target: the same or better
wait than reactive with fewer worker-minutes, and far fewer than peak.

Usage: python benchmarks/scaling.py [--runs N] [--quick] [--start-lag MINUTES]
(--quick: a quarter of a day). One JSON line per policy on stdout; seeds vary by run.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common
from podium.clock import FakeClock
from podium.patterns import insight, telemetry
from podium.store import telemetry as telemetry_store

SERVICE = 0.5
WAIT_TARGET = 10.0
START_LAG = 1
"""Minutes before a worker asked for starts serving (--start-lag)."""
START = 1_767_225_600.0  # 2026-01-01 00:00 UTC
BOUNDS = (1, 200)
PER_WORKER_MINUTE = 60.0 / SERVICE


def trace(minutes: int, seed: int) -> list[int]:
    """Arrivals per minute: a daily curve, Poisson noise and three bursts."""
    rng = random.Random(seed)
    bursts = {rng.randrange(60, minutes - 20) for _ in range(3)}
    out = []
    for m in range(minutes):
        hour = (m / 60.0) % 24
        rate = 11.0 - 9.0 * math.cos(2 * math.pi * (hour - 4.0) / 24.0)  # 2..20 per second
        if any(b <= m < b + 10 for b in bursts):
            rate *= 2.5
        out.append(_poisson(rng, rate * 60.0))
    return out


def _poisson(rng: random.Random, mean: float) -> int:
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def erlang_c_wait(arrivals_per_s: float, workers: int) -> float:
    """Mean queueing delay (s) of M/M/c with `workers` servers of mean SERVICE."""
    a = arrivals_per_s * SERVICE
    if workers <= a:
        return math.inf
    term, total = 1.0, 1.0
    for k in range(1, workers):
        term *= a / k
        total += term
    last = term * a / workers
    p_wait = last * workers / (workers - a) / (total + last * workers / (workers - a))
    return p_wait * SERVICE / (workers - a)


class Pool:
    """The simulated workers: asked-for workers start after START_LAG minutes."""

    def __init__(self, initial: int, lag: int) -> None:
        self.lag = lag
        self.active = initial
        self.pending: list[tuple[int, int]] = []
        self.backlog = 0.0

    def ask(self, minute: int, desired: int) -> None:
        """Scale to `desired`: new workers serve after the lag, fewer at once."""
        if desired <= self.active:
            self.active, self.pending = desired, []
            return
        starting = sum(n for _, n in self.pending)
        if desired > self.active + starting:
            self.pending.append((minute + self.lag, desired - self.active - starting))
        else:  # fewer are needed than are starting: cancel the latest starts
            keep, left = [], desired - self.active
            for m, n in self.pending:
                if left > 0:
                    keep.append((m, min(n, left)))
                    left -= min(n, left)
            self.pending = keep

    def serve(self, minute: int, arrivals: int) -> tuple[int, float]:
        """One minute: (workers that served, the minute's mean wait in seconds)."""
        self.active += sum(n for m, n in self.pending if m <= minute)
        self.pending = [(m, n) for m, n in self.pending if m > minute]
        workers = self.active
        capacity = workers * PER_WORKER_MINUTE
        work = self.backlog + arrivals
        served = min(work, capacity)
        self.backlog = work - served
        drain = self.backlog / (workers / SERVICE) if workers else math.inf
        queueing = erlang_c_wait(arrivals / 60.0, workers) if self.backlog == 0 else 0.0
        return workers, drain + min(queueing, 3600.0)


def simulate(policy: str, arrivals: list[int], folder: str, lag: int) -> dict[str, Any]:
    """Run the day under `policy`: worker-minutes and waits."""
    peak = math.ceil(max(arrivals) / 60.0 * SERVICE / insight.UTILISATION)
    pool = Pool(peak if policy == "peak" else BOUNDS[0], lag)
    advisor = Advisor(folder) if policy == "predictive" else None
    used, waits = 0, []
    for minute, n in enumerate(arrivals):
        workers, wait = pool.serve(minute, n)
        used += workers
        waits.append(wait)
        if advisor is not None:
            advisor.record(minute, n, min(n + pool.backlog, workers * PER_WORKER_MINUTE), pool)
            pool.ask(minute + 1, advisor.desired(minute + 1))
        elif policy.startswith("reactive"):
            utilisation = insight.UTILISATION if policy == "reactive-80" else 1.0
            need = math.ceil((pool.backlog + n) / (PER_WORKER_MINUTE * utilisation))
            pool.ask(minute + 1, min(BOUNDS[1], max(BOUNDS[0], need)))
    if advisor is not None:
        advisor.close()
    finite = [min(w, 3600.0) for w in waits]
    return {
        "worker_minutes": used,
        "minutes_over_target": sum(w > WAIT_TARGET for w in waits) / len(waits),
        "mean_wait_s": statistics.fmean(finite),
        "p95_wait_s": common.percentile(finite, 95),
    }


class Advisor:
    """podium's scaling advice on a real store, fed rollups as telemetry would write them."""

    def __init__(self, folder: str) -> None:
        self.clock = FakeClock(START)
        url = f"sqlite:///{common.database_path(folder)}"
        self.app = podium.App("scaling-bench", database_url=url, clock=self.clock)
        self.book = self.app.store.feature(telemetry_store.TelemetryStore)

    def record(self, minute: int, arrivals: int, served: float, pool: Pool) -> None:
        """Write the minute's queue rollup (arrivals, service times, depth)."""
        done = int(served)
        sketch = telemetry.Sketch({telemetry.Sketch.bucket(SERVICE): done} if done else {})
        sketch.total = done * SERVICE
        rollup = telemetry.Rollup(
            arrivals=arrivals, completions=done, depth=int(pool.backlog), latency=sketch
        )
        at = int(START) + 60 * minute
        self.book.put([rollup.row("queue:default", at, "sim")], float(at))

    def desired(self, minute: int) -> int:
        """The advice at the start of `minute`."""
        now = START + 60 * minute + 1
        self.clock.advance(now - self.clock.time())
        bounds = {"default": BOUNDS}
        return insight.advise(self.app.runtime, ["default"], bounds, now)["default"].desired_workers

    def close(self) -> None:
        """Close the store."""
        self.app.close()


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "scaling")
    p.add_argument("--start-lag", type=int, default=START_LAG, help="minutes a new worker takes")
    args = p.parse_args(argv)
    if args.start_lag < 0:
        raise SystemExit("--start-lag must be >= 0")
    n_runs = common.runs(args)
    minutes = 360 if args.quick else 1440
    policies = ("predictive", "reactive", "reactive-80", "peak")
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in policies}
    for r in range(n_runs):
        arrivals = trace(minutes, seed=r + 1)
        for name in policies if r % 2 == 0 else tuple(reversed(policies)):
            with common.temp_dir() as folder:
                results[name].append(simulate(name, arrivals, folder, args.start_lag))
        common.note(
            f"run {r + 1}/{n_runs}: "
            + ", ".join(f"{k} {v[-1]['worker_minutes']}" for k, v in results.items())
        )
    med = {
        name: {k: statistics.median(x[k] for x in results[name]) for k in results[name][0]}
        for name in policies
    }
    for name in policies:
        line = {
            **common.header("scaling-diurnal", name, "normal", n_runs),
            "minutes": minutes,
            "service_s": SERVICE,
            "wait_target_s": WAIT_TARGET,
            "start_lag_min": args.start_lag,
            **{f"{k}_median": round(v, 4) for k, v in med[name].items()},
            "worker_minutes": [x["worker_minutes"] for x in results[name]],
            "worker_minutes_ratio_vs_reactive": common.ratio(
                med[name]["worker_minutes"], med["reactive"]["worker_minutes"]
            ),
            "worker_minutes_ratio_vs_peak": common.ratio(
                med[name]["worker_minutes"], med["peak"]["worker_minutes"]
            ),
        }
        common.emit(line)


if __name__ == "__main__":
    main()
