"""Scaling: podium's advice vs reactive and peak provisioning, minute by minute, on real load.

Traces: the last day of every load-like series of NAB in `../shared/data/nab-dev` (the
selection of `benchmarks/intelligence/forecast.py`: request counts, network in, CPU,
traffic), read linearly between its 5-minute points, scaled so the day's highest point is
20 arrivals per second, with Poisson noise per minute; the two hours before the day are
replayed first and not scored (every policy starts from 1 worker and lives through them).
Then a synthetic diurnal day (2 to 20 arrivals/s, three 10-minute x2.5 bursts).

Each item takes 0.5 s of a worker. A simulated pool serves the queue: a worker asked for
starts serving `--start-lag` minutes later (default 1: a pod starting), a worker let go stops
at once. Per minute the pool serves what its workers can (workers x 120 items); what it
cannot stays in the backlog; the wait of the minute is the backlog's drain time plus, when
the pool is not overloaded, the Erlang-C mean queueing delay of M/M/c at that load. The same
pool, start lag and wait target (10 s, `--wait-target`) for every policy, on the same trace
in the same run:

- **predictive**: `podium.patterns.insight.advise(..., startup=lag, wait_target=10)` on a
  real SQLite store, fed each minute with the minute's rollup (arrivals, service-time
  sketch, depth) like telemetry writes it, bounded to (1, 200), its hysteresis kept in the
  store: Erlang-C sizing (at most 5% of arrivals over the target) on the arrival forecast's
  75% band at the start-up horizon, plus the backlog drained in a minute; scaling down only
  to what the same band of the minutes before a new worker could serve still needs.
- **predictive-hpa**: the same advice acted on through the HPA as the examples in
  `deploy/k8s/autoscaling/` configure it (scale-down stabilisation 0; the HPA's default
  tolerance and scale-up rate, see `Hpa`): what a deployment of the advice gets.
- **predictive-50**: the same advice on the forecast's median instead of its 75% band (the
  benchmark sets `insight.BAND` to 0.5 around each call): the forecast alone, without the
  band's margin.
- **reactive**: the same sizing rule (`insight.workers_for`: Erlang-C, same target and level,
  same backlog term) on the arrival rate measured over the last minute: scaling without a
  forecast, no hysteresis (down at once, like an HPA whose scale-down stabilisation window
  is 0 and whose tolerance is 0).
- **reactive-hpa**: the same rule's count exported as a gauge (target 1 a replica) and acted
  on by an HPA with its documented defaults (`Hpa`): scale-down only to the highest
  recommendation of the last 300 s, changes within 10% ignored, scale-up at most x2 or +4
  pods per 15 s.
- **reactive-100** (KEDA on a queue-length trigger with a target of one minute's work per
  worker): workers = ceil(items waiting or arrived in the last minute / what one worker
  serves in a minute), down at once.
- **reactive-100-hpa** (what KEDA does alone, as shipped): the same trigger through the
  HPA KEDA creates, with the HPA's defaults (`Hpa`; KEDA's `cooldownPeriod` applies only to
  scaling to zero, and the minimum here is 1).
- **peak**: the day's peak need provisioned all day (ceil(peak arrivals/s x 0.5 / 0.8)).

Reported per series (`scaling-nab-series`) and over the series (`scaling-nab`: medians of
the per-series ratios and shares, the total worker-minutes, against every reacting
baseline), per policy: worker-minutes (of serving workers, the
headline), the share of minutes whose wait is above the target, the mean and p95 wait; and
beside them `booked_minutes` (worker-minutes counting a worker from when it is asked for, as
a starting pod holds its node's resources and is billed) and `scale_ups` (minutes in which
the policy asked for more workers than it had or was starting: how much it flaps). The pool
lets workers go at once but starts them a lag later, so a policy whose target jitters serves
with about the lowest of its recent targets: the serving figure rewards flapping, the booked
one charges it the start-ups. Target: the same or better wait than
reactive with fewer worker-minutes, and far fewer than peak.

Usage: python benchmarks/scaling.py [DATA_DIR] [--runs N] [--quick] [--start-lag MINUTES]
    [--include TEXT] [--half 1|2] [--no-synthetic] [--wait-target SECONDS]
(--half: every other series in order, the first or the second of them: two disjoint halves.)
(--quick: one run, a quarter of the synthetic day). JSON lines on stdout; seeds vary by run.
"""

from __future__ import annotations

import bisect
import math
import random
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common, tradeoff
from benchmarks.intelligence import forecast as nab
from podium.clock import FakeClock
from podium.intelligence import staffing
from podium.patterns import insight, telemetry
from podium.store import telemetry as telemetry_store

SERVICE = 0.5
WAIT_TARGET = 10.0
START_LAG = 1
"""Minutes before a worker asked for starts serving (--start-lag)."""
START = 1_767_225_600.0  # 2026-01-01 00:00 UTC
BOUNDS = (1, 200)
PER_WORKER_MINUTE = 60.0 / SERVICE
HEADROOM_UTILISATION = 0.8
"""The utilisation peak provisioning plans for."""
PEAK_PER_S = 20.0
"""A real trace is scaled so that its day's highest point is this many arrivals per second."""
WARMUP = 120
"""Minutes of a real trace replayed before its day (unscored): the scaler's window of history."""
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "nab-dev"
POLICIES = (
    "predictive",
    "predictive-hpa",
    "predictive-50",
    "reactive",
    "reactive-hpa",
    "reactive-100",
    "reactive-100-hpa",
    "peak",
)
REACTIVE = ("reactive", "reactive-hpa", "reactive-100", "reactive-100-hpa")
"""The reacting baselines predictive is compared with (each alone, and through the HPA)."""
HPA_SCALE_DOWN_WINDOW = 5
"""Minutes of the HPA's default scale-down stabilisation (300 s, autoscaling/v2)."""
HPA_TOLERANCE = 0.1
"""The HPA's default tolerance (kube-controller-manager --horizontal-pod-autoscaler-tolerance)."""
HPA_UP_PERIODS = 4
"""15-second periods a minute: the default scale-up policy (double or +4 pods) per period."""
KEDA_TARGETS = (100, 95, 90, 85, 80, 75, 70)
"""The queue-length trigger's target in % of a minute's work per worker: KEDA's one knob,
swept (`reactive-NN`, and through the HPA `reactive-NN-hpa`) to draw its curve."""


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


def nab_trace(path: Path, seed: int) -> list[int]:
    """Arrivals per minute of a NAB series' last day, after WARMUP minutes of what came before.

    The series (5-minute steps, some irregular) is read linearly between its points, scaled
    so the day's highest point is PEAK_PER_S arrivals a second, with Poisson noise per minute.
    """
    times, values = nab.read(path)
    end = times[-1]
    start = end - 86_400.0 - WARMUP * 60.0
    minutes = [start + 60.0 * (k + 1) for k in range(WARMUP + 1440)]
    level = [_between(times, values, t) for t in minutes]
    top = max(level[WARMUP:]) or 1.0
    rng = random.Random(seed)
    return [_poisson(rng, max(0.0, v) / top * PEAK_PER_S * 60.0) for v in level]


def _between(times: list[float], values: list[float], t: float) -> float:
    i = bisect.bisect_left(times, t)
    if i <= 0:
        return values[0]
    if i >= len(times):
        return values[-1]
    t0, t1 = times[i - 1], times[i]
    return values[i - 1] + (values[i] - values[i - 1]) * (t - t0) / (t1 - t0)


def _poisson(rng: random.Random, mean: float) -> int:
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


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

    def starting(self) -> int:
        """Workers asked for that do not serve yet."""
        return sum(n for _, n in self.pending)

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
        queueing = (
            staffing.mean_wait(arrivals / 60.0, SERVICE, workers) if not self.backlog else 0.0
        )
        return workers, drain + min(queueing, 3600.0)


class Hpa:
    """The HorizontalPodAutoscaler's default behaviour (autoscaling/v2), one sync a minute.

    KEDA alone scales 1..N replicas through the HPA it creates (its `cooldownPeriod`, 300 s
    by default, applies only to scaling to zero, and the minimum here is 1). With no
    `behavior` set, the HPA: ignores a metric within `HPA_TOLERANCE` of its target
    (ratio metric / (target x replicas)); scales up at once, at most doubling or adding 4
    pods every 15 s; scales down only to the highest recommendation of the last 300 s
    (`scaleDown.stabilizationWindowSeconds`), and then at once (100% per 15 s). Sources: the
    autoscaling/v2 API reference (HorizontalPodAutoscalerBehavior, HPAScalingRules), the
    controller's `--horizontal-pod-autoscaler-tolerance` (0.1), and KEDA's ScaledObject
    specification (`cooldownPeriod`: "only applies when scaling to 0").
    """

    def __init__(self, window: int = HPA_SCALE_DOWN_WINDOW, tolerance: float = HPA_TOLERANCE):
        self.window = window
        self.tolerance = tolerance
        self.recommendations: list[int] = []

    def replicas(self, current: int, wanted: float) -> int:
        """The replicas after one sync: `wanted` is metric / target (replicas, fractional)."""
        if current > 0 and abs(wanted / current - 1.0) <= self.tolerance:
            recommended = current
        else:
            recommended = min(BOUNDS[1], max(BOUNDS[0], math.ceil(wanted - 1e-9)))
        self.recommendations = [*self.recommendations, recommended][-self.window :]
        if recommended > current:
            limit = current
            for _ in range(HPA_UP_PERIODS):
                limit = max(2 * limit, limit + 4)
            return min(recommended, limit)
        return min(current, max(self.recommendations))


def simulate(
    policy: str,
    arrivals: list[int],
    folder: str,
    lag: int,
    warmup: int = 0,
    target: float = WAIT_TARGET,
) -> dict[str, Any]:
    """Run the trace under `policy`: worker-minutes and waits after the first `warmup` minutes.

    Every policy starts from the minimum and lives through the warm-up (unscored) on the same
    pool, so none is judged on its cold start.
    """
    scored = arrivals[warmup:]
    peak = math.ceil(max(scored) / 60.0 * SERVICE / HEADROOM_UTILISATION)
    pool = Pool(peak if policy == "peak" else BOUNDS[0], lag)
    advisor = None
    if policy.startswith("predictive"):
        advisor = Advisor(folder, lag, target, 0.5 if policy == "predictive-50" else None)
    hpa = None
    if policy.endswith("-hpa"):  # the examples' HPA for the advice: no scale-down window
        hpa = Hpa(window=1) if policy.startswith("predictive") else Hpa()
    used, booked, ups, waits = 0, 0, 0, []
    for minute, n in enumerate(arrivals):
        workers, wait = pool.serve(minute, n)
        if minute >= warmup:
            used += workers
            booked += workers + pool.starting()
            waits.append(wait)
        desired, wanted = None, 0.0
        if advisor is not None:
            advisor.record(minute, n, min(n + pool.backlog, workers * PER_WORKER_MINUTE), pool)
            desired = wanted = advisor.desired(minute + 1)
        elif (share := _trigger_share(policy)) is not None:
            wanted = (pool.backlog + n) / (PER_WORKER_MINUTE * share)
            desired = min(BOUNDS[1], max(BOUNDS[0], math.ceil(wanted)))
        elif policy.startswith("reactive"):
            need = insight.workers_for(n / 60.0, SERVICE, int(pool.backlog), target, BOUNDS[1])
            wanted = desired = min(BOUNDS[1], max(BOUNDS[0], need))
        if hpa is not None:
            desired = hpa.replicas(workers + pool.starting(), wanted)
        if desired is not None:
            ups += minute >= warmup and desired > workers + pool.starting()
            pool.ask(minute + 1, desired)
    if advisor is not None:
        advisor.close()
    finite = [min(w, 3600.0) for w in waits]
    return {
        "worker_minutes": used,
        "booked_minutes": booked,
        "scale_ups": ups,
        "minutes_over_target": sum(w > target for w in waits) / len(waits),
        "mean_wait_s": statistics.fmean(finite),
        "p95_wait_s": common.percentile(finite, 95),
    }


def _trigger_share(policy: str) -> float | None:
    """A queue-length trigger's target as a share of a minute's work (`reactive-95` -> 0.95)."""
    parts = policy.split("-")
    if len(parts) > 1 and parts[0] == "reactive" and parts[1].isdigit():
        return int(parts[1]) / 100
    return None


def keda_curves(arrivals: list[int], lag: int, target: float) -> dict[str, dict[str, Any]]:
    """KEDA's trigger at every KEDA_TARGETS setting, at once and through the default HPA."""
    return {
        name: simulate(name, arrivals, "", lag, WARMUP, target)
        for t in KEDA_TARGETS
        for name in (f"reactive-{t}", f"reactive-{t}-hpa")
    }


def keda_line(
    per_series: dict[str, dict[str, dict[str, float]]], suffix: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """KEDA's curve over the series, and what it spends to wait as little as each advice.

    A point is the total worker-minutes and the median share of minutes over target, the
    statistics of the `scaling-nab` lines; `*_keda_same_wait` is the advice's total over the
    curve's worker-minutes at the advice's share (> 1: the advice costs more; null: the sweep
    does not reach that share).
    """
    series = list(per_series.values())

    def total(name: str) -> float:
        return sum(m[name]["worker_minutes"] for m in series)

    def share(name: str) -> float:
        return statistics.median(m[name]["minutes_over_target"] for m in series)

    curve = [
        tradeoff.Point(t, total(f"reactive-{t}{suffix}"), share(f"reactive-{t}{suffix}"))
        for t in KEDA_TARGETS
    ]
    line: dict[str, Any] = {
        **common.header("scaling-nab-keda-curve", f"reactive{suffix}", "normal", 1),
        **extra,
        "series": len(series),
        "points": [[p.setting, p.worker_minutes, round(p.over_target, 4)] for p in curve],
    }
    for ours in ("predictive", "predictive-hpa", "predictive-50"):
        spent = tradeoff.minutes_at(curve, share(ours))
        tag = ours.replace("-", "_")
        line[f"{tag}_worker_minutes_vs_keda_same_wait"] = (
            None if spent is None else round(total(ours) / spent, 4)
        )
    return line


class Advisor:
    """podium's scaling advice on a real store, fed rollups as telemetry would write them."""

    def __init__(self, folder: str, lag: int, target: float, band: float | None) -> None:
        self.startup = 60.0 * lag
        self.target = target
        self.band = band
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
        saved = insight.BAND
        if self.band is not None:
            insight.BAND = self.band
        try:
            advice = insight.advise(
                self.app.runtime,
                ["default"],
                bounds,
                now,
                startup=self.startup,
                wait_target=self.target,
            )
        finally:
            insight.BAND = saved
        return advice["default"].desired_workers

    def close(self) -> None:
        """Close the store."""
        self.app.close()


def replay(
    arrivals: list[int], lag: int, warmup: int, order: int, target: float = WAIT_TARGET
) -> dict[str, dict[str, Any]]:
    """Every policy on the same trace (the order alternates run by run)."""
    out: dict[str, dict[str, Any]] = {}
    for name in POLICIES if order % 2 == 0 else tuple(reversed(POLICIES)):
        with common.temp_dir() as folder:
            out[name] = simulate(name, arrivals, folder, lag, warmup, target)
    return out


def medians(results: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """Per policy, the median of each figure over `results`."""
    return {
        name: {k: statistics.median(r[name][k] for r in results) for k in results[0][name]}
        for name in POLICIES
    }


def verdict(
    med: dict[str, dict[str, float]], against: str = "reactive", ours: str = "predictive"
) -> dict[str, Any]:
    """`ours` against `against`: fewer worker-minutes and no more minutes over target."""
    pred, other = med[ours], med[against]
    tag = against.replace("-", "")
    return {
        f"fewer_minutes_than_{tag}": pred["worker_minutes"] < other["worker_minutes"],
        f"fewer_booked_minutes_than_{tag}": pred["booked_minutes"] < other["booked_minutes"],
        f"wait_as_good_as_{tag}": pred["minutes_over_target"]
        <= other["minutes_over_target"] + 1e-9,
    }


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "scaling")
    p.add_argument("data", nargs="?", default=str(DEFAULT_DATA), help="the nab-dev folder")
    p.add_argument("--start-lag", type=int, default=START_LAG, help="minutes a new worker takes")
    p.add_argument("--wait-target", type=float, default=WAIT_TARGET, help="seconds (sizing, score)")
    p.add_argument("--no-synthetic", action="store_true", help="only the real traces")
    p.add_argument("--include", action="append", default=[], help="only series matching this")
    p.add_argument(
        "--half", type=int, choices=(1, 2), help="only the odd (1) or even (2) series in order"
    )
    args = p.parse_args(argv)
    if args.start_lag < 0:
        raise SystemExit("--start-lag must be >= 0")
    if not 0 < args.wait_target <= 3600:
        raise SystemExit("--wait-target must be in (0, 3600] seconds")
    n_runs = common.runs(args)
    data = Path(args.data)
    if not (data / "data").is_dir():
        raise SystemExit(
            f"error: no NAB data at {data}; pass the nab-dev folder, e.g. ../shared/data/nab-dev"
        )
    paths = nab.series_files(data)
    if args.include:
        paths = [x for x in paths if any(pat in x.name for pat in args.include)]
    if args.half:
        paths = paths[args.half - 1 :: 2]
    lag, target = args.start_lag, args.wait_target
    common.note(f"{len(paths)} load-like series, {n_runs} runs, start lag {lag} min")
    extra = {"service_s": SERVICE, "wait_target_s": target, "start_lag_min": lag}
    per_series: dict[str, dict[str, dict[str, float]]] = {}
    per_curve: dict[str, dict[str, dict[str, float]]] = {}
    for path in paths:
        traces = [nab_trace(path, r + 1) for r in range(n_runs)]
        runs = [replay(t, lag, WARMUP, r, target) for r, t in enumerate(traces)]
        per_series[path.stem] = med = medians(runs)
        curves = [keda_curves(t, lag, target) for t in traces]
        per_curve[path.stem] = {
            k: {f: statistics.median(c[k][f] for c in curves) for f in curves[0][k]}
            for k in curves[0]
        }
        common.note(
            f"{path.stem}: "
            + ", ".join(
                f"{k} {v['worker_minutes']:.0f} wm {v['minutes_over_target']:.3f}"
                for k, v in med.items()
            )
        )
        common.emit(
            {
                **common.header("scaling-nab-series", path.stem, "normal", n_runs),
                **extra,
                **{f"{k}_{f}_median": round(v[f], 4) for k, v in med.items() for f in v},
                **{k: v for other in REACTIVE for k, v in verdict(med, other).items()},
            }
        )
    series = list(per_series.values())
    for name in POLICIES:
        versus: dict[str, int] = {}
        if name.startswith("predictive"):
            for against in REACTIVE:
                for m in series:
                    for key, ok in verdict(m, against, name).items():
                        versus["series_" + key] = versus.get("series_" + key, 0) + int(ok)
        common.emit(
            {
                **common.header("scaling-nab", name, "normal", n_runs),
                **extra,
                "series": len(series),
                **{
                    f"worker_minutes_ratio_vs_{other.replace('-', '')}_median": round(
                        statistics.median(
                            m[name]["worker_minutes"] / m[other]["worker_minutes"] for m in series
                        ),
                        4,
                    )
                    for other in (*REACTIVE, "peak")
                },
                **{
                    f"booked_minutes_ratio_vs_{other.replace('-', '')}_median": round(
                        statistics.median(
                            m[name]["booked_minutes"] / m[other]["booked_minutes"] for m in series
                        ),
                        4,
                    )
                    for other in REACTIVE
                },
                "worker_minutes_total": sum(m[name]["worker_minutes"] for m in series),
                "scale_ups_median": statistics.median(m[name]["scale_ups"] for m in series),
                "scale_ups_mean": round(statistics.fmean(m[name]["scale_ups"] for m in series), 1),
                "minutes_over_target_median": round(
                    statistics.median(m[name]["minutes_over_target"] for m in series), 4
                ),
                "minutes_over_target_mean": round(
                    statistics.fmean(m[name]["minutes_over_target"] for m in series), 4
                ),
                "mean_wait_s_median": round(
                    statistics.median(m[name]["mean_wait_s"] for m in series), 3
                ),
                **versus,
            }
        )
    for suffix in ("-hpa", ""):
        both = {k: {**per_series[k], **per_curve[k]} for k in per_series}
        common.emit({**keda_line(both, suffix, extra), "runs": n_runs})
    if not args.no_synthetic:
        synthetic(n_runs, 360 if args.quick else 1440, lag, target)


def synthetic(n_runs: int, minutes: int, lag: int, target: float) -> None:
    """The synthetic diurnal day with bursts (no warm-up: it starts at the trough)."""
    results = [replay(trace(minutes, seed=r + 1), lag, 0, r, target) for r in range(n_runs)]
    med = medians(results)
    for name in POLICIES:
        common.emit(
            {
                **common.header("scaling-diurnal", name, "normal", n_runs),
                "minutes": minutes,
                "service_s": SERVICE,
                "wait_target_s": target,
                "start_lag_min": lag,
                **{f"{k}_median": round(v, 4) for k, v in med[name].items()},
                "worker_minutes": [x[name]["worker_minutes"] for x in results],
                **{
                    f"worker_minutes_ratio_vs_{other.replace('-', '')}": common.ratio(
                        med[name]["worker_minutes"], med[other]["worker_minutes"]
                    )
                    for other in REACTIVE
                },
                "worker_minutes_ratio_vs_peak": common.ratio(
                    med[name]["worker_minutes"], med["peak"]["worker_minutes"]
                ),
                **(
                    {k: v for other in REACTIVE for k, v in verdict(med, other).items()}
                    if name == "predictive"
                    else {}
                ),
            }
        )


if __name__ == "__main__":
    main()
