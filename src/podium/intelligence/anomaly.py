"""Streaming anomaly scores for one time series: an ensemble of record ratios.

Method
------
Each point updates five cheap causal statistics of "how unusual is now", each a
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
   anomaly score in Numenta's anomaly likelihood, Ahmad et al., Neurocomputing 2017).

Each statistic is compared with its own *record*: the largest value it has taken so far,
fading by a factor ``min(0.9999, 1 - 0.5 / (n + 64))`` at point ``n``: a record set at point
``a`` weighs about ``sqrt(a / n)`` by point ``n`` (memory proportional to age, so the wild
first hours of a series do not mask later incidents), and never more than a half-life of
about 7,000 points allows. The ratio ``r = max_j stat_j / record_j`` is the anomaly
evidence: ``r > 1`` means "more unusual than anything seen lately, by this measure". The score is
``r / (1 + r)``, in [0, 1), so 0.5 means "equal to the record". Because the record then
rises to the anomalous value, the points right after an alert only alarm again if they are
stranger still: repeated alerts for one incident are suppressed without a timer, which is
what NAB's scoring (reward the earliest detection in a window, charge every later false
positive) asks for. The first 64 points score 0 while the statistics settle.

This is record-breaking (extreme-value) detection in the spirit of Siffer et al., "Anomaly
Detection in Streams with Extreme Value Theory" (KDD 2017), over EWMA control-chart
statistics (S. W. Roberts, "Control Chart Tests Based on Geometric Moving Averages",
Technometrics 1959) with a per-time-of-day seasonal baseline; scored on the Numenta Anomaly
Benchmark's protocol (Lavin & Ahmad, ICMLA 2015). It needs no training data and no
per-series constants: every statistic is compared only with itself, so the scale of the
series does not matter.

Cost: O(1) time and memory per point (at most 1,440 time-of-day slots), pure Python.

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

import itertools
import math
import numbers
from collections.abc import Iterable
from datetime import datetime
from typing import Any

__all__ = ["AnomalyDetector"]

_EPOCH_NAIVE = datetime(1970, 1, 1)
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
_STATS = 5


def _seconds(timestamp: Any) -> float:
    """Epoch seconds of a datetime (naive = UTC) or a number, validated."""
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            return (timestamp - _EPOCH_NAIVE).total_seconds()
        return timestamp.timestamp()
    if isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Real):
        raise TypeError(
            "timestamp must be a datetime or epoch seconds (int or float), "
            f"not {type(timestamp).__name__}: convert it before calling update()"
        )
    t = float(timestamp)
    if not math.isfinite(t):
        raise ValueError(f"timestamp must be finite, got {timestamp!r}")
    return t


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
        t = _seconds(timestamp)
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
        """The time-of-day slot width: the median of the first sampling intervals."""
        self._first_times.append(t)
        if len(self._first_times) == _GAPS + 1:
            ts = self._first_times
            gaps = sorted(b - a for a, b in itertools.pairwise(ts))
            width = max(gaps[_GAPS // 2], 60.0)  # at most 1,440 slots
            self._slot_width = width if _DAY / width >= 4 else 0.0

    def _step(self, t: float, x: float) -> float:
        n = self._n
        self._n = n + 1
        if n == 0:
            self._level = self._prev = x
        if n <= _GAPS:
            self._learn_slot_width(t)

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
        stats = (
            abs(x - self._level),
            self._fast,
            self._slow / (self._fast + tiny),
            seasonal,
            self._sustained,
        )
        self._level += _LEVEL_ALPHA * (x - self._level)
        self._prev = x

        ratio = 0.0
        records = self._records
        decay = min(_RECORD_DECAY, 1.0 - _AGE_FADE / (n + _WARMUP))
        for j in range(_STATS):
            record = records[j] * decay
            stat = stats[j]
            if record > 0.0 and stat > ratio * record:
                ratio = stat / record
            records[j] = stat if stat > record else record
        if n < _WARMUP:
            return 0.0
        return ratio / (1.0 + ratio)
