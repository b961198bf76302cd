"""Anomalies and scaling advice over the store's telemetry rollups (see `telemetry`).

Anomalies: once a minute is complete (every process had a flush to write it), one process
in the cluster (the one that advances the store's cursor) scores it: for each series and
metric (`step:charge:latency_p95`, `queue:default:wait`, ...) the `AnomalyDetector` reads
the last hours of that metric, and a score at or above `THRESHOLD` is stored with the
value, the expected value (the median of the last half hour) and a sentence, and published
as the event `podium.anomaly`.

Scaling: per queue, the `Forecaster` learns arrivals per minute and forecasts them at the
horizon where a worker asked for now serves, with an upper band; Erlang-C
(`podium.intelligence.staffing`) turns the band's arrival rate (the forecast's band of the
per-minute count less the count's own Poisson scatter, which M/M/c already models) and the
measured service time into the fewest workers for which at most 5% of arrivals wait longer
than the wait target (`app.telemetry(wait_target=10.0)`), plus enough to drain the backlog
in a minute, bounded by min/max. Scale-up is sized for the minute a new worker starts
serving; scale-down only to what the minutes before then still need (on the same band),
since a worker let go now cannot be back sooner: that lead time is the hysteresis, and no
higher band is added on top of it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import statistics
import threading
from collections.abc import Callable, Iterable

from podium import errors
from podium.engine import background, hooks
from podium.engine.runtime import Runtime
from podium.intelligence import staffing
from podium.patterns import events as events_mod
from podium.patterns import telemetry
from podium.store import telemetry as telemetry_store

THRESHOLD = 0.75
"""A point scoring this or more (3x stranger than the series' fading record) is an anomaly."""
HISTORY_MINUTES = 240
EXPECTED_MINUTES = 30
MARK = "anomalies"
TOPIC = "podium.anomaly"
DRAIN_SECONDS = 60.0
"""A backlog is sized to drain within this many seconds."""
STARTUP_SECONDS = 60.0
"""How long a worker asked for takes to serve, by default (`app.telemetry(worker_startup=)`)."""
BAND = 0.75
"""The forecast quantile of arrivals the advice provisions for (to scale up and to hold)."""
WAIT_TARGET_SECONDS = 10.0
"""The queue wait the advice sizes for, by default (`app.telemetry(wait_target=)`)."""
WAIT_LEVEL = staffing.LEVEL
"""The share of arrivals the advice lets wait longer than the wait target (Erlang-C)."""


@dataclasses.dataclass(frozen=True)
class Anomaly:
    """A point of a telemetry series that was unusual for that series."""

    series: str
    at: dt.datetime
    value: float
    expected: float
    score: float
    message: str


@dataclasses.dataclass(frozen=True)
class Forecast:
    """What the scaler expects of a queue: arrivals per second now and in the upper band."""

    arrivals_per_s: float
    upper_per_s: float
    horizon_s: float


@dataclasses.dataclass(frozen=True)
class ScalingAdvice:
    """How many workers a queue should have, and why."""

    queue: str
    desired_workers: int
    now_workers: int
    min_workers: int
    max_workers: int
    forecast: Forecast
    service_time_s: float | None
    depth: int
    reason: str


# -- metrics of a series --------------------------------------------------------------------


def _p95(r: telemetry.Rollup) -> float | None:
    return r.latency.quantile(0.95)


METRICS: dict[str, list[tuple[str, Callable[[telemetry.Rollup], float | None], bool]]] = {
    "step": [("latency_p95", _p95, False), ("failures", lambda r: float(r.failures), True)],
    "workflow": [("latency_p95", _p95, False), ("failures", lambda r: float(r.failures), True)],
    "queue": [
        ("wait", lambda r: r.wait, False),
        ("arrivals", lambda r: float(r.arrivals), True),
    ],
}
"""Per series kind: (metric, value of a minute, whether a minute without data counts 0)."""

_WORDS = {
    "latency_p95": "p95 latency",
    "failures": "failures per minute",
    "wait": "queue wait",
    "arrivals": "arrivals per minute",
}


def describe(series: str, value: float, expected: float, at: float) -> str:
    """A sentence a person understands, e.g. "step charge: p95 latency 2.4 s, expected..."."""
    kind, _, rest = series.partition(":")
    name, _, metric = rest.rpartition(":")
    timed = metric in ("latency_p95", "wait")
    show = _duration if timed else _count
    when = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%H:%M UTC")
    return (
        f"{kind} {name}: {_WORDS.get(metric, metric)} {show(value)}, "
        f"expected about {show(expected)}, since {when}"
    )


def _duration(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.1f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds * 1e6:.0f} µs"


def _count(value: float) -> str:
    return f"{value:g}"


def points(
    minutes: dict[int, telemetry.Rollup],
    value: Callable[[telemetry.Rollup], float | None],
    zero_fill: bool,
    until: int,
) -> list[tuple[float, float]]:
    """(minute, value) of a metric up to minute `until`, counts filled with 0 between data."""
    if not minutes:
        return []
    out: list[tuple[float, float]] = []
    for minute in range(min(minutes), until + 60, 60):
        rollup = minutes.get(minute)
        v = value(rollup) if rollup is not None else (0.0 if zero_fill else None)
        if v is not None:
            out.append((float(minute), float(v)))
    return out


def score_minute(
    by_series: dict[str, dict[int, telemetry.Rollup]], minute: int
) -> list[tuple[str, float, float, float]]:
    """(metric series, value, expected, score) of every metric that is anomalous at `minute`."""
    from podium.intelligence import AnomalyDetector

    found: list[tuple[str, float, float, float]] = []
    for series, minutes in sorted(by_series.items()):
        kind = series.partition(":")[0]
        for metric, value, zero_fill in METRICS.get(kind, []):
            pts = points(minutes, value, zero_fill, minute)
            if not pts or pts[-1][0] != minute:
                continue
            score = AnomalyDetector()(pts)[-1]
            if score < THRESHOLD:
                continue
            before = [v for _, v in pts[-EXPECTED_MINUTES - 1 : -1]]
            expected = statistics.median(before) if before else 0.0
            found.append((f"{series}:{metric}", pts[-1][1], expected, score))
    return found


class Scorer:
    """Scores complete minutes once in the cluster; stores and publishes what it finds."""

    def __init__(self, rt: Runtime, grace: float) -> None:
        self.rt = rt
        self.grace = grace
        self._lock = threading.Lock()

    def run_once(self, now: float) -> list[Anomaly]:
        """Score the minutes completed since the cursor, if this process moves it."""
        book = self.rt.store.feature(telemetry_store.TelemetryStore)
        last = telemetry.minute_of(now - self.grace) - 60
        with self._lock:
            mark = book.mark(MARK, last - 60)
            if mark >= last or not book.move_mark(MARK, mark, last):
                return []
            first = max(mark + 60, last - 10 * 60)  # after a long stop: the last ten minutes
            rows = book.rollups(first - HISTORY_MINUTES * 60, last + 60)
            by_series = telemetry.merged(rows)
            found: list[Anomaly] = []
            for minute in range(first, last + 60, 60):
                for series, value, expected, score in score_minute(by_series, minute):
                    message = describe(series, value, expected, minute)
                    at = float(minute)
                    if book.add_anomaly(series, at, value, expected, score, message, now):
                        anomaly = Anomaly(series, _aware(at), value, expected, score, message)
                        found.append(anomaly)
                        self._publish(anomaly, at)
            return found

    def _publish(self, anomaly: Anomaly, at: float) -> None:
        payload = {
            "series": anomaly.series,
            "at": at,
            "value": anomaly.value,
            "expected": anomaly.expected,
            "score": anomaly.score,
            "message": anomaly.message,
        }
        events_mod.publish(self.rt, TOPIC, payload, id=f"anomaly:{anomaly.series}:{int(at)}")


def anomalies(rt: Runtime, since: dt.datetime | float | None, limit: int) -> list[Anomaly]:
    """Stored anomalies at or after `since`, newest first."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise errors.ConfigurationError(f"limit={limit!r} must be a positive int")
    start = _seconds(since, "since")
    rows = rt.store.feature(telemetry_store.TelemetryStore).anomalies(start, limit)
    return [Anomaly(r.series, _aware(r.at), r.value, r.expected, r.score, r.message) for r in rows]


def _seconds(moment: dt.datetime | float | None, name: str) -> float:
    if moment is None:
        return 0.0
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            raise errors.ConfigurationError(f"{name}={moment!r} must be an aware datetime")
        return moment.timestamp()
    if isinstance(moment, bool) or not isinstance(moment, int | float):
        raise errors.ConfigurationError(
            f"{name}={moment!r} must be an aware datetime or epoch seconds"
        )
    return float(moment)


def _aware(at: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(at, dt.UTC)


# -- scaling --------------------------------------------------------------------------------


def check_bounds(bounds: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """`{queue: (min_workers, max_workers)}`, checked."""
    if not isinstance(bounds, dict):
        raise errors.ConfigurationError(f"workers={bounds!r} must be {{queue: (min, max)}}")
    for queue, pair in bounds.items():
        ok = isinstance(pair, tuple) and len(pair) == 2
        ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
        if not ok or not 0 <= pair[0] <= pair[1] or pair[1] < 1:
            raise errors.ConfigurationError(
                f"workers[{queue!r}]={pair!r} must be (min, max) ints with 0 <= min <= max, "
                "max >= 1"
            )
    return dict(bounds)


def advise(
    rt: Runtime,
    queues: Iterable[str],
    bounds: dict[str, tuple[int, int]],
    now: float,
    default_max: int = 100,
    startup: float = STARTUP_SECONDS,
    wait_target: float = WAIT_TARGET_SECONDS,
) -> dict[str, ScalingAdvice]:
    """Scaling advice for every queue in `queues`; remembers it for the next hysteresis.

    `startup` is how long a worker asked for takes to serve (KEDA's polling plus a pod's
    start): the advice covers the forecast until then, since workers let go now cannot be
    back sooner. `wait_target` is the queue wait (s) that at most `WAIT_LEVEL` of arrivals
    may exceed.
    """
    book = rt.store.feature(telemetry_store.TelemetryStore)
    telemetry.count_arrivals(rt.store, now)
    current = telemetry.minute_of(now)
    rows = book.rollups(current - 120 * 60, current + 60)
    by_series = telemetry.merged(rows)
    previous = book.scaling_state()
    live = rt.store.live_workers(now)
    horizon = 1 + max(0, math.ceil(startup / 60.0 - 1e-9))
    out: dict[str, ScalingAdvice] = {}
    for queue in dict.fromkeys(queues):
        low, high = bounds.get(queue, (1, default_max))
        minutes = by_series.get("queue:" + queue, {})
        now_workers = sum(1 for w in live if queue in w.queues)
        out[queue] = _advice(
            queue,
            minutes,
            current,
            (low, high),
            previous.get(queue),
            now_workers,
            (horizon, wait_target),
        )
    book.put_scaling({q: a.desired_workers for q, a in out.items()}, now)
    return out


def _advice(
    queue: str,
    minutes: dict[int, telemetry.Rollup],
    current: int,
    bounds: tuple[int, int],
    previous: int | None,
    now_workers: int,
    plan: tuple[int, float],
) -> ScalingAdvice:
    low, high = bounds
    horizon, target = plan
    complete = {m: r for m, r in minutes.items() if m < current}
    arrivals = points(complete, lambda r: float(r.arrivals), True, current - 60)
    rate, upper, before = _rates(arrivals, horizon)
    service = _service_time(minutes, current)
    latest = minutes.get(current) or minutes.get(current - 60)
    depth = (latest.depth or 0) if latest is not None else 0
    if service is None:
        raw, keep, why = low, low, "no finished runs yet: the minimum"
    else:
        raw = workers_for(upper, service, depth, target, high + 1)
        keep = workers_for(before, service, depth, target, high + 1)
        why = (
            f"{upper:.2f}/s arrivals (the rate's {BAND:.0%} band in {horizon} min) of "
            f"{service:.3f} s each: Erlang-C workers for at most {WAIT_LEVEL:.0%} waiting over "
            f"{target:g} s + backlog {depth} drained in {DRAIN_SECONDS:.0f} s"
        )
    bounded = min(high, max(low, raw))
    desired = bounded
    if previous is not None and low <= previous <= high and bounded < previous:
        desired = min(previous, max(bounded, keep))  # let go only what the wait allows
        if desired > bounded:
            why += (
                f"; holding {desired} (hysteresis: the minutes before a new worker could "
                f"serve still need {min(keep, high)})"
            )
    forecast = Forecast(rate, upper, horizon * 60.0)
    return ScalingAdvice(queue, desired, now_workers, low, high, forecast, service, depth, why)


def workers_for(
    rate: float, service: float, depth: int, wait_target: float, limit: int | None = None
) -> int:
    """Workers for `rate` arrivals/s of `service` s each and `depth` items waiting.

    Erlang-C (M/M/c, `podium.intelligence.staffing.servers_for`): the fewest workers for which
    at most `WAIT_LEVEL` of arrivals wait longer than `wait_target` s; plus the workers that
    drain the backlog within `DRAIN_SECONDS`. `limit` caps the search (the scaler's maximum).
    The same rule serves reactive sizing (on the measured rate) and predictive (on a forecast).
    """
    if service <= 0.0:  # runs too short to time: no load to staff
        return 0
    drain = math.ceil(max(0, depth) * service / DRAIN_SECONDS - 1e-9)
    return staffing.servers_for(rate, service, wait_target, WAIT_LEVEL, limit) + drain


def _rates(arrivals: list[tuple[float, float]], horizon: int) -> tuple[float, float, float]:
    """Arrivals/s: the last minute's, the rate's BAND at `horizon`, its highest BAND before.

    Step `horizon` is the minute a worker asked for now serves: what scaling up is sized for.
    The minutes before it (from the one in progress) are what scaling down must still cover,
    since a worker let go now cannot be back sooner. Both on the same band: the lead time is
    the hysteresis, and a higher band on top of it would only keep idle workers.
    """
    if not arrivals:
        return 0.0, 0.0, 0.0
    last = arrivals[-1][1] / 60.0
    if len(arrivals) < 10:
        top = max(v for _, v in arrivals) / 60.0
        return last, top, top
    from podium.intelligence import Forecaster

    model = Forecaster(60.0)
    for t, v in arrivals:
        model.update(t, v)
    median = model.forecast(horizon, quantile=0.5)
    upper = model.forecast(horizon, quantile=BAND)
    path = [rate_band(m, u, BAND) / 60.0 for m, u in zip(median, upper, strict=True)]
    return last, path[-1], max(path[:-1], default=0.0)


def rate_band(median: float, upper: float, quantile: float) -> float:
    """The `quantile` band of a minute's arrival rate from the bands of its count.

    A forecast band of arrivals per minute holds two spreads: how uncertain the rate is, and
    the Poisson scatter of a count around its rate (variance = the mean count). Erlang-C's
    M/M/c already models Poisson arrivals, so counting that scatter again in the band would
    provision for it twice: it is taken out in quadrature (normal approximation, the count's
    spread at `quantile` being z sqrt(mean)), leaving the band of the rate. 0.5 is the median.
    """
    center = max(0.0, median)
    spread = upper - median
    z = statistics.NormalDist().inv_cdf(quantile)
    rate_spread = math.sqrt(max(0.0, spread * spread - z * z * center))
    return max(0.0, center + math.copysign(rate_spread, spread))


def _service_time(minutes: dict[int, telemetry.Rollup], current: int) -> float | None:
    """The mean service time of the last 15 minutes' runs (None when none finished)."""
    sketch = telemetry.Sketch()
    for minute, rollup in minutes.items():
        if minute >= current - 15 * 60:
            sketch.merge(rollup.latency)
    return sketch.total / sketch.n if sketch.n else None


# -- wiring ---------------------------------------------------------------------------------

PURGE_EVERY = 600.0


class Telemetry:
    """Telemetry of one runtime: the collector on the engine's hooks and the flushing service."""

    def __init__(
        self,
        rt: Runtime,
        settings: telemetry.TelemetrySettings,
        queues: Callable[[], list[str]],
    ) -> None:
        self.rt = rt
        self.settings = settings
        self.queues = queues
        self.collector = telemetry.Collector(rt, settings)
        self.scorer = Scorer(rt, grace=settings.flush_interval + 5.0)
        self._purged = 0.0

    def plug(self, plugged: hooks.Hooks) -> None:
        """Collect through the engine's hooks; flush beside every worker."""
        plugged.add_step_observer(self.collector.attempt_ran)
        plugged.add_run_listener(self.collector.run_ended)
        plugged.add_service(self)

    def __call__(self) -> Flusher:
        """A flusher for one more worker."""
        return Flusher(self)

    def flush(self) -> None:
        """Sample the queues' depth and write this process's rollups now."""
        now = self.rt.clock.time()
        self.collector.sample_queues(self.queues(), now)
        self.collector.flush(now)

    def tick(self) -> list[Anomaly]:
        """One round of the service: flush, score complete minutes, purge old rows."""
        self.flush()
        now = self.rt.clock.time()
        telemetry.count_arrivals(self.rt.store, now)
        found = self.scorer.run_once(now) if self.settings.score else []
        if now - self._purged >= PURGE_EVERY:
            self._purged = now
            book = self.rt.store.feature(telemetry_store.TelemetryStore)
            before = now - self.settings.retention
            book.purge(telemetry.minute_of(before), before)
        return found


class Flusher(background.Periodic):
    """A worker's thread that runs `Telemetry.tick` every flush interval, and flushes on stop."""

    def __init__(self, owner: Telemetry) -> None:
        super().__init__(
            "podium-telemetry", owner.rt.log, owner.tick, lambda: owner.settings.flush_interval
        )
        self.owner = owner

    def stopped(self) -> None:
        """Write what was collected since the last flush."""
        try:
            self.owner.flush()
        except Exception:
            self.owner.rt.log.exception("telemetry: the last flush failed")


def scaling(
    rt: Runtime,
    plugged: Telemetry | None,
    queues: Iterable[str],
    bounds: dict[str, tuple[int, int]],
) -> dict[str, ScalingAdvice]:
    """Advice for `queues` after writing this process's latest counts."""
    startup, target = STARTUP_SECONDS, WAIT_TARGET_SECONDS
    if plugged is not None:
        plugged.flush()
        startup = plugged.settings.worker_startup
        target = plugged.settings.wait_target
    return advise(rt, queues, bounds, rt.clock.time(), startup=startup, wait_target=target)
