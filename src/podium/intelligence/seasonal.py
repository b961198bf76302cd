"""The load forecaster's seasonal model: robust Holt-Winters, daily and weekly profiles.

Additive Holt-Winters smoothing (Holt 1957, Winters 1960) with the clipped, robust
innovations of Gelper, Fried & Croux ("Robust forecasting with exponential and Holt-Winters
smoothing", J. Forecasting 2010): a time-of-day profile, plus an hour-of-week correction once
a week of data has been seen. The profiles are read by linear interpolation between slot
centres, kept centred (mean zero), and slots learn at rate ``max(alpha, 1/visits)`` so the
first day already counts. The level is a clipped exponential smoothing of the deseasonalised
series (its half-life in seconds, so gaps are handled); a level shift (residuals beyond three
scales on one side ``SHIFT_RUN`` points in a row) re-levels at once. Also the slicing and
the median of the cycle subseries that the forecaster's recurring deviations read
(`strided`, `recurring_median`).

Used by `podium.intelligence.forecast.Forecaster`, which owns one per series.
"""

from __future__ import annotations

import math

__all__ = [
    "CLIP",
    "DAY",
    "SHIFT_RUN",
    "WEEK",
    "Profile",
    "SeasonalModel",
    "recurring_median",
    "strided",
]

DAY = 86400.0
WEEK = 7 * DAY
SHIFT_RUN = 4  # large deviations of one sign in a row that re-level the seasonal model
_SCALE_RATE = 0.05  # smoothing of the scale (the mean absolute one-step deviation)
CLIP = 3.0  # innovations are clipped at this many scales
_SCALE_CLIP = 5.0  # ...and the scale learns from deviations clipped at this many


def strided(ring: list[float], lo: int, hi: int, period: int) -> list[float]:
    """ring[lo], ring[lo + period], ... up to ring[hi], wrapping around the ring's end."""
    if lo <= hi:
        return ring[lo : hi + 1 : period]
    head = ring[lo::period]
    return head + ring[lo + len(head) * period - len(ring) : hi + 1 : period]


def recurring_median(devs: list[float], complete: bool) -> float:
    """The forecaster's recurring deviation from the deviations at its phase.

    (See `Forecaster._recurring` in `podium.intelligence.forecast`.) Their median with three
    or more; with two, the smaller (both must agree); else 0. The steps without a point
    (NaN) are left out, unless `complete` says there are none.
    """
    if not complete:
        devs = [d for d in devs if d == d]
    devs.sort()
    m = len(devs)
    if m >= 3:
        return devs[m // 2] if m % 2 else 0.5 * (devs[m // 2 - 1] + devs[m // 2])
    if m == 2:
        return devs[0] if abs(devs[0]) < abs(devs[1]) else devs[1]
    return 0.0


class Profile:
    """A centred periodic profile: `n` slots over `period` seconds, linear between centres."""

    __slots__ = ("mean", "n", "scale", "values", "visits")

    def __init__(self, period: float, n: int) -> None:
        self.n = n
        self.scale = n / period
        self.values = [0.0] * n
        self.visits = [0.0] * n
        self.mean = 0.0

    def locate(self, t: float) -> tuple[int, int, float]:
        """The two slots around time `t` and the weight of the second."""
        p = (t * self.scale) % self.n - 0.5
        i = math.floor(p)
        w = p - i
        n = self.n
        return i % n, (i + 1) % n, w

    def at(self, t: float) -> float:
        """The profile at time `t` (centred: its mean over the period is zero).

        `locate`, inline: this is read at every update and every forecast step.
        """
        n = self.n
        p = (t * self.scale) % n - 0.5
        i = math.floor(p)
        w = p - i
        v = self.values
        a = v[i % n]
        return a + (v[(i + 1) % n] - a) * w - self.mean

    def learn(self, i: int, j: int, w: float, error: float, rate: float) -> float:
        """Move slots i, j (from `locate`) by `error`; return the profile's change there.

        `error` is the target minus the profile at the located point (weights 1 - w and w).
        """
        values, visits = self.values, self.visits
        wi = 1.0 - w
        visits[i] += wi
        visits[j] += w
        di = max(rate, 1.0 / visits[i]) * wi * error if visits[i] > 0 else 0.0
        dj = max(rate, 1.0 / visits[j]) * w * error if visits[j] > 0 else 0.0
        values[i] += di
        values[j] += dj
        change = (di + dj) / self.n
        self.mean += change
        return di * wi + dj * w - change


class SeasonalModel:
    """Level + daily profile (+ hour-of-week correction after a week), learned robustly.

    Args:
        daily_slots: slots of the time-of-day profile.
        weekly: learn an hour-of-week correction once a week of data has been seen.
        level_halflife: half-life of the level, in seconds.
        season_rate: smallest learning rate of a seasonal slot (per visit).
    """

    __slots__ = (
        "_daily",
        "_first",
        "_level_halflife",
        "_run",
        "_run_sum",
        "_season_rate",
        "_weekly",
        "level",
        "model_t",
        "scale",
    )

    def __init__(
        self, daily_slots: int, weekly: bool, level_halflife: float, season_rate: float
    ) -> None:
        self._daily = Profile(DAY, daily_slots)
        self._weekly = Profile(WEEK, 168) if weekly else None
        self._level_halflife = level_halflife
        self._season_rate = season_rate
        self._first = 0.0
        self.level = 0.0
        self.model_t = 0.0  # the time of the last point the model learned
        self.scale = 0.0  # mean absolute one-step deviation from the model
        self._run = 0  # consecutive large deviations of one sign
        self._run_sum = 0.0

    def start(self, t: float, y: float) -> None:
        """The first point: the level starts at it, the weekly clock at its time."""
        self._first = self.model_t = t
        self.level = y

    def season(self, t: float) -> float:
        """The seasonal profile at time `t` (daily, plus weekly after a week of data)."""
        daily = self._daily  # daily.at, inline: this is read at every update
        n = daily.n
        p = (t * daily.scale) % n - 0.5
        i = math.floor(p)
        w = p - i
        v = daily.values
        a = v[i % n]
        s = a + (v[(i + 1) % n] - a) * w - daily.mean
        weekly = self._weekly
        if weekly is not None and t - self._first >= WEEK:
            s += weekly.at(t)
        return s

    def learn(self, t: float, y: float) -> None:
        """Update the scale, the level and the seasonal profiles with one point."""
        if t <= self.model_t:
            return
        daily = self._daily
        n = daily.n  # daily.locate, inline
        p = (t * daily.scale) % n - 0.5
        i = math.floor(p)
        w = p - i
        i, j = i % n, (i + 1) % n
        values = daily.values
        d = values[i] + (values[j] - values[i]) * w - daily.mean
        weekly = self._weekly
        if weekly is not None and t - self._first >= WEEK:
            wi, wj, ww = weekly.locate(t)
            values = weekly.values
            s_week = values[wi] + (values[wj] - values[wi]) * ww - weekly.mean
        else:
            weekly = None
            wi = wj = 0
            ww = s_week = 0.0
        dev, limit = self._shift(y - self.level - d - s_week)
        clipped = dev if -limit <= dev <= limit else math.copysign(limit, dev)
        self.level += (1.0 - 0.5 ** ((t - self.model_t) / self._level_halflife)) * clipped
        self.model_t = t
        err = y - self.level - d
        err = err if -limit <= err <= limit else math.copysign(limit, err)
        d += daily.learn(i, j, w, err, self._season_rate)
        if weekly is not None:
            rest = y - self.level - d - s_week
            rest = rest if -limit <= rest <= limit else math.copysign(limit, rest)
            weekly.learn(wi, wj, ww, rest, self._season_rate)

    def _shift(self, dev: float) -> tuple[float, float]:
        """Track the scale and runs of large deviations; re-level on a run (a level shift).

        Returns the deviation left after any re-levelling, and the clipping limit (from the
        scale before this point).
        """
        a = abs(dev)
        scale = self.scale
        if scale == 0.0:
            scale = self.scale = a
        else:
            self.scale += _SCALE_RATE * (min(a, _SCALE_CLIP * scale) - scale)
        limit = CLIP * scale if scale > 0 else math.inf
        if a > limit:
            self._run = self._run + 1 if self._run_sum * dev > 0 else 1
            self._run_sum = dev if self._run == 1 else self._run_sum + dev
        else:
            self._run = 0
            self._run_sum = 0.0
        if self._run >= SHIFT_RUN:  # a level shift: move at once to the mean of the run
            shift = self._run_sum / self._run
            self.level += shift
            dev -= shift
            self._run = 0
            self._run_sum = 0.0
        return dev, limit
