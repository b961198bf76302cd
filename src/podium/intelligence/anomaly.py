"""Streaming anomaly scores for one time series: an ensemble of record ratios.

Method
------
Each point updates nine cheap causal statistics of "how unusual is now", each a
non-negative number in the series' own units:

1. **level**: ``|x - m|``, the distance from an exponentially weighted moving average
   (EWMA, Roberts 1959) of the values;
2. **volatility**: an EWMA of ``|x - x_prev|`` over about ten points (bursts of noise,
   spikes arriving more often);
3. **flatness**: the long-run (about 200 points) EWMA of ``|x - x_prev|`` divided by the
   short-run one, large when a moving series stops moving;
4. **time of day**: ``|x - s[slot]|``, the distance from an EWMA kept per time-of-day slot
   (the slot width is the series' typical sampling interval, learned from its first points),
   so a daily pattern that breaks is seen even when every value is in its usual range;
5. **sustained time of day**: an EWMA over about 20 points (the level's span) of that
   distance, so a moderate departure from the daily pattern that lasts (a shifted or missing
   daily cycle, a drift within the usual range) stands out from isolated noisy points, which
   set the record of statistic 4 but average out here (the same idea as averaging the raw
   anomaly score in Numenta's anomaly likelihood, Ahmad et al., Neurocomputing 2017);
6. - 9. **median shifts at four scales**: ``|med_k - M_k|``, the distance between the running
   median of the last ``k`` = 3, 9, 27 and 81 points and a slow EWMA (about 200 points) of
   that median. A median ignores spikes shorter than half its window, so a level shift or a
   change of regime is measured without the noise and the past spikes that set the records of
   statistics 1-2 (a shift smaller than yesterday's spike is still the largest median shift
   seen); the geometric ladder of windows covers short and long changes alike (the
   multi-scale windows of ARTime, Hampton 2021, and of the windowed detectors in NAB).

Each statistic is compared with its own *record*: the largest value it has taken so far,
fading by a factor ``min(0.9999, 1 - 0.5 / (n + 64))`` at point ``n``: a record set at point
``a`` weighs about ``sqrt(a / n)`` by point ``n`` (memory proportional to age, so the wild
first hours of a series do not mask later incidents), and never more than a half-life of
about 7,000 points allows. A record is also *held* for a day at full weight: it is at least
the largest value of the blocks (a day cut in 24) that began within the last day, so what
happens every day (a nightly job's peak, the morning ramp) does not break a record that
faded overnight (for data sampled faster than once a minute, "a day" is 1,440 sampling
intervals). The ratio ``r = max_j stat_j / record_j`` is the anomaly evidence: ``r > 1`` means
"more unusual than anything seen lately, by this measure". The raw score is ``r / (1 + r)``,
in [0, 1), so 0.5 means "equal to the record". Because the record then rises to the anomalous
value, the points right after an alert only alarm again if they are stranger still.

Repeats are damped once more: a raw score no higher than one of the previous ten points'
raw scores is halved, because at any alarm threshold that point would only repeat an alarm
raised a moment ago for the same incident. That is what NAB's scoring asks for (it rewards
the earliest detection in a window and charges every later false positive), and it needs
no threshold: the test is "a new local maximum or not". The first 64 points score 0 while
the statistics settle.

This is record-breaking (extreme-value) detection in the spirit of Siffer et al., "Anomaly
Detection in Streams with Extreme Value Theory" (KDD 2017), over EWMA control-chart
statistics (S. W. Roberts, "Control Chart Tests Based on Geometric Moving Averages",
Technometrics 1959) and running-median shifts, with a per-time-of-day seasonal baseline;
scored on the Numenta Anomaly Benchmark's protocol (Lavin & Ahmad, ICMLA 2015). It needs no
training data and no per-series constants: every statistic is compared only with itself, so
the scale of the series does not matter.

Cost: O(1) time and memory per point (at most 1,440 time-of-day slots, four sorted windows
of at most 81 values, 24 held block maxima), pure Python.

Input
-----
``timestamp`` is a ``datetime`` (naive ones are read as UTC) or epoch seconds (int or float);
``value`` a real number (int, float, numpy scalar; not bool). Timestamps must not decrease;
a repeated timestamp is scored as the next point (real telemetry repeats them, e.g. around a
clock change). A NaN or infinite value, a timestamp before the previous one, or a value or
timestamp of the wrong type raises ``ValueError``/``TypeError`` *before* any state changes, so
a caller that wants to skip bad points catches the error and carries on with the next.
"""

from __future__ import annotations

import bisect
import itertools
import math
import numbers
from collections import deque
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from podium.intelligence import inputs

__all__ = ["AnomalyDetector"]

_DAY = 86400.0

# The constants of the method (shared by every series; none is tuned per series).
_LEVEL_ALPHA = 0.05  # EWMA of the values (about 20 points)
_FAST_ALPHA = 0.1  # short-run EWMA of |x - x_prev| (about 10 points)
_SLOW_ALPHA = 0.005  # long-run EWMA of |x - x_prev| (about 200 points)
_SLOT_ALPHA = 0.3  # per-slot EWMA of the time-of-day baseline (a few days)
_SUSTAIN_ALPHA = 0.05  # EWMA of the time-of-day distance (about 20 points, the level's span)
_RECORD_DECAY = 0.9999  # per point: records fade with a half-life of ~7,000 points
_AGE_FADE = 0.5  # ...and faster while the series is young: by (age then / age now) ** 0.5
_WARMUP = 64  # points scored 0 while the statistics settle
_GAPS = 8  # sampling intervals used to learn the time-of-day slot width
_MEDIAN_WINDOWS = (3, 9, 27, 81)  # running medians: a geometric ladder of scales
_MEDIAN_ALPHA = 0.005  # slow EWMA of each running median (about 200 points)
_HOLD_BLOCKS = 24  # records are held a day at full weight, in 24 blocks of points
_REPEAT_SPAN = 10  # a score no higher than one of the last 10 raw scores is a repeat...
_REPEAT_DAMP = 0.5  # ...and is halved
_STATS = 5 + len(_MEDIAN_WINDOWS)
_NO_FLOORS = [0.0] * _STATS


def _value(value: Any) -> float:
    """A finite float, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"value must be a real number (int or float), not {type(value).__name__}: "
            "convert it (e.g. float(v)) or skip the point"
        )
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(
            f"value must be finite, got {x!r}: skip the point (the detector's state is "
            "unchanged) or replace it, e.g. with the previous value"
        )
    return x


class _HeldMaxima:
    """Per statistic, the largest value over about the last day, in ``_HOLD_BLOCKS`` blocks.

    The day is cut into ``_HOLD_BLOCKS`` blocks of time (of ``span`` seconds each) and
    ``floors`` holds, per statistic, the largest value of the blocks that began within the
    last day, the current block included. Each statistic keeps a monotonic queue of block
    maxima (the sliding-window maximum), so the cost is O(1) per point on average.
    """

    __slots__ = ("_block", "_current", "_queues", "_span", "floors")

    def __init__(self, span: float) -> None:
        self._span = span
        self._block: int | None = None  # the current block's number (time // span)
        self._current = [0.0] * _STATS
        self._queues: list[deque[tuple[int, float]]] = [deque() for _ in range(_STATS)]
        self.floors = [0.0] * _STATS

    def at(self, t: float) -> list[float]:
        """The floors for a point at time ``t`` (closing the current block if ``t`` is past it)."""
        block = int(t // self._span)
        if block != self._block:
            if self._block is not None:
                self._close(block)
            self._block = block
        return self.floors

    def add(self, stats: list[float]) -> None:
        """Fold one point's statistics into the current block."""
        current, floors = self._current, self.floors
        for j, stat in enumerate(stats):
            if stat > current[j]:
                current[j] = stat
                if stat > floors[j]:
                    floors[j] = stat

    def _close(self, block: int) -> None:
        closed = self._block
        assert closed is not None
        oldest = block - _HOLD_BLOCKS  # blocks this old or older have left the day
        for j, value in enumerate(self._current):
            queue = self._queues[j]
            while queue and queue[-1][1] <= value:
                queue.pop()
            queue.append((closed, value))
            while queue[0][0] <= oldest:
                queue.popleft()
                if not queue:
                    break
            self.floors[j] = queue[0][1] if queue else 0.0
        self._current = [0.0] * _STATS


class AnomalyDetector:
    """Anomaly scores in [0, 1] for one series, point by point, causal and deterministic.

    >>> det = AnomalyDetector()
    >>> scores = [det.update(t * 60, 10.0 + (t % 7)) for t in range(200)]
    >>> 0.0 <= min(scores) and max(scores) < 1.0
    True

    ``det(series)`` scores a list of ``(timestamp, value)`` pairs, continuing the same stream.
    See the module's docstring for the method.
    """

    def __init__(self) -> None:
        self._n = 0
        self._last_t = -math.inf
        self._prev = 0.0
        self._level = 0.0
        self._fast = 0.0
        self._slow = 0.0
        self._records = [0.0] * _STATS
        self._first_times: list[float] = []
        self._slot_width = 0.0  # 0 = no time-of-day baseline (not learned yet, or coarse data)
        self._slots: dict[int, float] = {}
        self._sustained = 0.0  # EWMA of the time-of-day distance
        # running medians: per window, the last values in order and the same values sorted
        self._windows: list[deque[float]] = [deque() for _ in _MEDIAN_WINDOWS]
        self._sorted: list[list[float]] = [[] for _ in _MEDIAN_WINDOWS]
        self._median_levels: list[float] = []  # slow EWMA of each running median
        self._held: _HeldMaxima | None = None  # once the sampling interval is known
        self._recent: deque[float] = deque(maxlen=_REPEAT_SPAN)  # the last raw scores

    @property
    def count(self) -> int:
        """How many points the detector has seen."""
        return self._n

    def update(self, timestamp: datetime | float, value: float) -> float:
        """Take the next point and return its anomaly score in [0, 1).

        Raises ``TypeError``/``ValueError`` (leaving the state unchanged) for a value that is
        not a finite real number or a timestamp before the previous one; a repeated
        timestamp is scored as the next point.
        """
        t = inputs.seconds(timestamp)
        x = _value(value)
        if t < self._last_t:
            raise ValueError(
                f"timestamp {timestamp!r} is before the previous point's "
                f"({self._last_t} epoch s): feed points in time order"
            )
        self._last_t = t
        return self._step(t, x)

    def __call__(self, series: Iterable[tuple[datetime | float, float]]) -> list[float]:
        """Score every ``(timestamp, value)`` pair in order; the same as calling update()."""
        scores = []
        for i, point in enumerate(series):
            try:
                timestamp, value = point
            except (TypeError, ValueError):
                raise TypeError(
                    f"series[{i}] must be a (timestamp, value) pair, got {point!r}"
                ) from None
            try:
                scores.append(self.update(timestamp, value))
            except (TypeError, ValueError) as e:
                raise type(e)(f"series[{i}]: {e}") from None
        return scores

    def _learn_slot_width(self, t: float) -> None:
        """The sampling interval (the median of the first ones): time-of-day slots and blocks."""
        self._first_times.append(t)
        if len(self._first_times) == _GAPS + 1:
            ts = self._first_times
            gaps = sorted(b - a for a, b in itertools.pairwise(ts))
            width = max(gaps[_GAPS // 2], 60.0)  # at most 1,440 slots
            self._slot_width = width if _DAY / width >= 4 else 0.0
            # a day, but at most 1,440 sampling intervals (for data with sub-minute steps)
            hold = min(_DAY, 1440.0 * max(gaps[_GAPS // 2], 1e-3))
            self._held = _HeldMaxima(hold / _HOLD_BLOCKS)

    def _step(self, t: float, x: float) -> float:
        n = self._n
        self._n = n + 1
        if n == 0:
            self._level = self._prev = x
            self._median_levels = [x] * len(_MEDIAN_WINDOWS)
        if n <= _GAPS:
            self._learn_slot_width(t)
        stats = self._statistics(t, x)
        ratio = self._ratio(n, t, stats)
        if n < _WARMUP:
            self._recent.append(0.0)
            return 0.0
        raw = ratio / (1.0 + ratio)
        repeat = any(raw <= before for before in self._recent)
        self._recent.append(raw)
        return raw * _REPEAT_DAMP if repeat else raw

    def _statistics(self, t: float, x: float) -> list[float]:
        """The nine statistics of the point (see the module docstring), state updated."""
        step = abs(x - self._prev)
        self._fast += _FAST_ALPHA * (step - self._fast)
        self._slow += _SLOW_ALPHA * (step - self._slow)
        tiny = 1e-9 * (abs(self._level) + 1e-9)
        seasonal = 0.0
        if self._slot_width:
            slot = int((t % _DAY) // self._slot_width)
            base = self._slots.get(slot)
            if base is None:
                self._slots[slot] = x
            else:
                seasonal = abs(x - base)
                self._slots[slot] = base + _SLOT_ALPHA * (x - base)
        self._sustained += _SUSTAIN_ALPHA * (seasonal - self._sustained)
        stats = [
            abs(x - self._level),
            self._fast,
            self._slow / (self._fast + tiny),
            seasonal,
            self._sustained,
        ]
        levels = self._median_levels
        insort, bisect_left = bisect.insort, bisect.bisect_left
        windows = zip(_MEDIAN_WINDOWS, self._windows, self._sorted, strict=True)
        for j, (size, window, ordered) in enumerate(windows):
            window.append(x)
            insort(ordered, x)
            if len(window) > size:
                del ordered[bisect_left(ordered, window.popleft())]
            median = ordered[len(ordered) >> 1]
            level = levels[j]
            stats.append(abs(median - level))
            levels[j] = level + _MEDIAN_ALPHA * (median - level)
        self._level += _LEVEL_ALPHA * (x - self._level)
        self._prev = x
        return stats

    def _ratio(self, n: int, t: float, stats: list[float]) -> float:
        """The largest ``stat / record`` (0 while no record), records updated."""
        ratio = 0.0
        records = self._records
        held = self._held
        floors = held.at(t) if held is not None else _NO_FLOORS
        decay = min(_RECORD_DECAY, 1.0 - _AGE_FADE / (n + _WARMUP))
        for j, stat in enumerate(stats):
            record = records[j] * decay
            floor = floors[j]
            if floor > record:
                record = floor
            if record > 0.0 and stat > ratio * record:
                ratio = stat / record
            records[j] = stat if stat > record else record
        if held is not None:
            held.add(stats)
        return ratio
