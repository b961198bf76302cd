"""Online load forecasting: seasonal profile, robust level, direct multi-horizon correction.

`Forecaster` reads one series, one point at a time, and forecasts the next points of it
with an upper band for capacity planning. Every update is pure Python and O(1) in time and
memory (a few small lists), so a forecaster per queue costs microseconds per point.

The method, in four parts:

1. **Step and clock.** The sampling step is the median of the first gaps between points
   (or given). Each point gets a step index ``round((t - t0) / step)``; gaps (missing points)
   are simply missing indices, never filled in.
2. **Level and seasonal profile** (additive Holt-Winters, Holt 1957 / Winters 1960, with the
   robust, clipped innovations of Gelper, Fried & Croux, "Robust forecasting with exponential
   and Holt-Winters smoothing", J. Forecasting 2010). The profile is indexed by the time of
   day (and, once a week of data has been seen, a coarser hour-of-week correction), read
   with linear interpolation between slot centres so that it is smooth and independent of
   the step. Slots learn with rate ``max(alpha, 1/visits)`` so the first day already counts.
   A level shift (residuals beyond 3 scales on one side for several steps in a row) re-levels
   at once instead of waiting for the smoothing to catch up.
3. **Direct multi-horizon correction** (the "direct" strategy of multi-step forecasting,
   Taieb et al., "A review and comparison of strategies for multi-step ahead time series
   forecasting", Expert Syst. Appl. 2012; combination weights learned by exponentially
   weighted ridge regression as in recursive least squares). For tracked horizons
   k = 1, 2, 4, ..., 64 steps, the change ``y[t+k] - y[t]`` is regressed online on two
   features known at t: the current deviation from the seasonal mean ``-(y[t] - L - S(t))``
   (mean reversion) and the seasonal change ``S(t+k) - S(t)``. Coefficients (0, 0) give the
   last value, (0, 1) the last value moved along the profile, (1, 1) the seasonal mean; the
   regression picks the blend each horizon's recent errors favour. Between tracked horizons
   the coefficients are interpolated in log-horizon.
4. **Quantile bands** from the forecaster's own out-of-sample errors: per tracked horizon an
   exponentially weighted mean absolute error and, on the errors divided by it, a grid of
   quantiles tracked by stochastic approximation (Robbins & Monro 1951; the "online quantile"
   update ``q += eta * (tau - 1[z < q])``), seeded with a Laplace shape. ``forecast(h,
   quantile=q)`` adds the interpolated error quantile to the point forecast.

Input handling: values must be finite real numbers (``ValueError`` for NaN/inf,
``TypeError`` for anything else); timestamps are epoch seconds or ``datetime`` (a naive
datetime is read as UTC) and must increase strictly (``ValueError`` for a duplicate or an
out-of-order point, naming both timestamps; ``update(..., skip_stale=True)`` ignores them
instead, for feeds that may replay). The forecaster is deterministic and causal: a forecast
depends only on the points given before it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime

__all__ = ["Forecaster"]

_DAY = 86400.0
_WEEK = 7 * _DAY
_HORIZONS = (1, 2, 4, 8, 16, 32, 64)
_TAUS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99)
_STEP_SAMPLES = 9  # gaps looked at before the step is fixed
_RING = _HORIZONS[-1] + 1


def _laplace_quantile(tau: float) -> float:
    """The tau-quantile of a Laplace distribution whose mean absolute value is 1."""
    if tau < 0.5:
        return math.log(2.0 * tau)
    return -math.log(2.0 * (1.0 - tau))


def _seconds(timestamp: object) -> float:
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=UTC)
        return timestamp.timestamp()
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        raise TypeError(
            f"timestamp must be a datetime or epoch seconds (int/float), got "
            f"{type(timestamp).__name__}: {timestamp!r}"
        )
    t = float(timestamp)
    if not math.isfinite(t):
        raise ValueError(f"timestamp must be finite epoch seconds, got {timestamp!r}")
    return t


def _value(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        # numpy scalars and Decimal/Fraction convert; strings and None do not.
        try:
            if isinstance(value, str | bytes) or value is None:
                raise TypeError
            v = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise TypeError(
                f"value must be a real number, got {type(value).__name__}: {value!r}"
            ) from None
    else:
        v = float(value)
    if not math.isfinite(v):
        raise ValueError(
            f"value must be finite, got {value!r}; drop the point or pass a measured number "
            "(a missing point is fine: just skip its timestamp)"
        )
    return v


class _Profile:
    """A periodic profile of `n` slots over `period` seconds, read by linear interpolation."""

    __slots__ = ("n", "scale", "values", "visits")

    def __init__(self, period: float, n: int) -> None:
        self.n = n
        self.scale = n / period
        self.values = [0.0] * n
        self.visits = [0.0] * n

    def locate(self, t: float) -> tuple[int, int, float]:
        p = (t * self.scale) % self.n - 0.5
        i = math.floor(p)
        w = p - i
        n = self.n
        return i % n, (i + 1) % n, w

    def at(self, t: float) -> float:
        i, j, w = self.locate(t)
        v = self.values
        return v[i] + (v[j] - v[i]) * w

    def learn(self, t: float, error: float, rate: float) -> None:
        """Move the two slots around t towards a target `error` away from the profile's value."""
        i, j, w = self.locate(t)
        values, visits = self.values, self.visits
        wi = 1.0 - w
        visits[i] += wi
        visits[j] += w
        ri = max(rate, 1.0 / visits[i]) * wi if visits[i] > 0 else 0.0
        rj = max(rate, 1.0 / visits[j]) * w if visits[j] > 0 else 0.0
        values[i] += ri * error
        values[j] += rj * error


class Forecaster:
    """Online forecaster of one series with daily and weekly seasonality (see the module doc).

    Args:
        step: the sampling step in seconds; inferred from the first gaps when None.
        daily_slots: slots of the time-of-day profile (interpolated between slot centres).
        weekly: learn an hour-of-week correction once a week of data has been seen.
        level_halflife: half-life of the level, in seconds.
        season_rate: smallest learning rate of a seasonal slot (per visit).
        memory: half-life, in points, of the horizon regressions and the error statistics.
    """

    def __init__(
        self,
        step: float | None = None,
        *,
        daily_slots: int = 48,
        weekly: bool = True,
        level_halflife: float = 6 * 3600.0,
        season_rate: float = 0.1,
        memory: float = 1000.0,
    ) -> None:
        if step is not None and (not math.isfinite(step) or step <= 0):
            raise ValueError(f"step must be a positive number of seconds, got {step!r}")
        if daily_slots < 1:
            raise ValueError(f"daily_slots must be at least 1, got {daily_slots!r}")
        if not level_halflife > 0:
            raise ValueError(f"level_halflife must be positive seconds, got {level_halflife!r}")
        if not 0 < season_rate <= 1:
            raise ValueError(f"season_rate must be in (0, 1], got {season_rate!r}")
        if not memory >= 1:
            raise ValueError(f"memory must be at least 1 point, got {memory!r}")
        self._step: float | None = float(step) if step is not None else None
        self._step_fixed = step is not None
        self._gaps: list[float] = []
        self._level_halflife = float(level_halflife)
        self._season_rate = float(season_rate)
        self._forget = 0.5 ** (1.0 / memory)
        self._err_rate = 1.0 - self._forget
        self._daily = _Profile(_DAY, daily_slots)
        self._weekly = _Profile(_WEEK, 168) if weekly else None
        self._t0 = 0.0
        self._first = math.nan
        self._n = 0
        self._last_t = -math.inf
        self._last_y = 0.0
        self._last_index = 0
        self._level = 0.0
        self._resid = 0.0
        self._scale = 0.0  # mean absolute one-step residual
        self._run = 0  # consecutive large residuals of one sign
        self._run_sum = 0.0
        # ring of the last points by step index: index, value, deviation, season, forecasts
        self._ring_index = [-1] * _RING
        self._ring_y = [0.0] * _RING
        self._ring_dev = [0.0] * _RING
        self._ring_season = [0.0] * _RING
        self._ring_fc = [[0.0] * len(_HORIZONS) for _ in range(_RING)]
        # per tracked horizon: ridge sums for (mean reversion, seasonal change) -> change
        nh = len(_HORIZONS)
        self._sxx = [[0.0, 0.0, 0.0] for _ in range(nh)]  # x1x1, x1x2, x2x2
        self._sxy = [[0.0, 0.0] for _ in range(nh)]
        self._count = [0.0] * nh
        self._coef = [(0.0, 1.0)] * nh
        self._mae = [0.0] * nh
        self._mae_seen = [0] * nh
        self._quant = [[_laplace_quantile(tau) for tau in _TAUS] for _ in range(nh)]

    # ----------------------------------------------------------------------------- public

    @property
    def step(self) -> float | None:
        """The sampling step in seconds (None until two points have been seen)."""
        return self._step

    @property
    def count(self) -> int:
        """The number of points learned from."""
        return self._n

    def update(self, timestamp: datetime | float, value: float, *, skip_stale: bool = False) -> None:
        """Learn one point; timestamps must increase strictly.

        Raises:
            TypeError: the timestamp or value is not a datetime/number.
            ValueError: the value is NaN or infinite, or the timestamp does not come after the
                last one (a duplicate or out-of-order point) and `skip_stale` is False.
        """
        t = _seconds(timestamp)
        y = _value(value)
        if t <= self._last_t:
            if skip_stale:
                return
            what = "a duplicate of" if t == self._last_t else "before"
            raise ValueError(
                f"timestamp {t!r} is {what} the last one ({self._last_t!r}); points must come in "
                "strictly increasing time order (drop or merge repeats, or pass skip_stale=True)"
            )
        if self._n == 0:
            self._start(t, y)
            return
        if not self._step_fixed:
            self._learn_step(t)
        step = self._step
        assert step is not None
        index = round((t - self._t0) / step)
        if index <= self._last_index:  # jitter below half a step: keep the order anyway
            index = self._last_index + 1
        steps = index - self._last_index
        season = self._season(t)
        dev = y - self._level - season

        self._learn_horizons(index, y, season)
        self._track_scale(dev, steps)

        # level: robust (clipped) exponential smoothing, rate scaled to the elapsed time
        scale = self._scale
        limit = 3.0 * scale if scale > 0 else math.inf
        if abs(dev) > limit:
            self._run = self._run + 1 if self._run_sum * dev > 0 else 1
            self._run_sum = dev if self._run == 1 else self._run_sum + dev
        else:
            self._run = 0
            self._run_sum = 0.0
        if self._run >= 4:  # a level shift: move at once to the mean of the run
            shift = self._run_sum / self._run
            self._level += shift
            dev -= shift
            self._run = 0
            self._run_sum = 0.0
        clipped = dev if -limit <= dev <= limit else math.copysign(limit, dev)
        rate = 1.0 - 0.5 ** ((t - self._last_t) / self._level_halflife)
        self._level += rate * clipped
        # seasonal profiles learn what is left after the level
        err = y - self._level - season
        err = err if -limit <= err <= limit else math.copysign(limit, err)
        self._daily.learn(t, err, self._season_rate)
        weekly = self._weekly
        if weekly is not None and t - self._first >= _WEEK:
            rest = y - self._level - self._season(t)
            rest = rest if -limit <= rest <= limit else math.copysign(limit, rest)
            weekly.learn(t, rest, self._season_rate)
        season = self._season(t)
        dev = y - self._level - season

        self._n += 1
        self._last_t = t
        self._last_y = y
        self._last_index = index
        self._resid = dev
        self._remember(index, y, dev, t, season)

    def forecast(self, horizon: int, quantile: float | None = None) -> list[float]:
        """The next `horizon` points (one per step after the last point).

        With `quantile` (in (0, 1)), that quantile of each point instead of the mean forecast:
        `quantile=0.9` is an upper band that the actual values stay below about 90% of the time.

        Raises:
            TypeError: horizon is not an int, or quantile not a number.
            ValueError: horizon < 1, quantile outside (0, 1), or no point learned yet.
        """
        if isinstance(horizon, bool) or not isinstance(horizon, int):
            raise TypeError(f"horizon must be an int (points ahead), got {horizon!r}")
        if horizon < 1:
            raise ValueError(f"horizon must be at least 1 point ahead, got {horizon}")
        if quantile is not None:
            if isinstance(quantile, bool) or not isinstance(quantile, int | float):
                raise TypeError(f"quantile must be a float in (0, 1), got {quantile!r}")
            if not 0.0 < quantile < 1.0:
                raise ValueError(
                    f"quantile must be strictly between 0 and 1 (0.9 = upper band), got {quantile!r}"
                )
        if self._n == 0:
            raise ValueError("no data yet: call update(timestamp, value) before forecast()")
        step = self._step
        y = self._last_y
        if step is None:
            return [y] * horizon
        t = self._last_t
        s0 = self._season(t)
        minus_dev = -self._resid
        out = []
        for k in range(1, horizon + 1):
            lo, hi, w = self._between(k)
            a0, c0 = self._coef[lo]
            a1, c1 = self._coef[hi]
            a = a0 + (a1 - a0) * w
            c = c0 + (c1 - c0) * w
            f = y + a * minus_dev + c * (self._season(t + k * step) - s0)
            if quantile is not None:
                f += self._error_quantile(lo, quantile) * (1.0 - w)
                f += self._error_quantile(hi, quantile) * w
            out.append(f)
        return out

    def __call__(
        self, history: Iterable[tuple[datetime | float, float]], horizon: int
    ) -> list[float]:
        """Learn `history` (``(timestamp, value)`` pairs in time order) and forecast `horizon`."""
        for timestamp, value in history:
            self.update(timestamp, value)
        return self.forecast(horizon)

    # ---------------------------------------------------------------------------- private

    def _start(self, t: float, y: float) -> None:
        self._t0 = t
        self._first = t
        self._n = 1
        self._last_t = t
        self._last_y = y
        self._last_index = 0
        self._level = y
        self._resid = 0.0
        self._remember(0, y, 0.0, t, 0.0)

    def _learn_step(self, t: float) -> None:
        gap = t - self._last_t
        self._gaps.append(gap)
        gaps = sorted(self._gaps)
        step = gaps[len(gaps) // 2]
        if len(gaps) >= _STEP_SAMPLES:
            self._step_fixed = True
            self._gaps = []
        if step != self._step:
            # re-anchor the step index on the last point; the ring is no longer aligned
            self._step = step
            self._t0 = self._last_t
            self._last_index = 0
            self._ring_index = [-1] * _RING

    def _season(self, t: float) -> float:
        s = self._daily.at(t)
        if self._weekly is not None:
            s += self._weekly.at(t)
        return s

    def _track_scale(self, dev: float, steps: int) -> None:
        a = abs(dev)
        if self._scale == 0.0:
            self._scale = a
        else:
            rate = 0.05 if steps == 1 else 0.02
            # clip spikes so one outlier does not inflate the scale for long
            self._scale += rate * (min(a, 5.0 * self._scale) - self._scale)

    def _remember(self, index: int, y: float, dev: float, t: float, season: float) -> None:
        slot = index % _RING
        self._ring_index[slot] = index
        self._ring_y[slot] = y
        self._ring_dev[slot] = dev
        self._ring_season[slot] = season
        step = self._step
        fc = self._ring_fc[slot]
        if step is None:
            for h in range(len(_HORIZONS)):
                fc[h] = y
            return
        for h, k in enumerate(_HORIZONS):
            a, c = self._coef[h]
            fc[h] = y - a * dev + c * (self._season(t + k * step) - season)

    def _learn_horizons(self, index: int, y: float, season_now: float) -> None:
        ring_index = self._ring_index
        forget = self._forget
        for h, k in enumerate(_HORIZONS):
            slot = (index - k) % _RING
            if ring_index[slot] != index - k:
                continue
            y0 = self._ring_y[slot]
            x1 = -self._ring_dev[slot]
            x2 = season_now - self._ring_season[slot]
            err = y - self._ring_fc[slot][h]
            # error statistics of the forecast made k steps ago
            mae = self._mae[h]
            if self._mae_seen[h] == 0:
                mae = self._mae[h] = abs(err) or self._scale or 1.0
            self._mae_seen[h] += 1
            z = err / mae if mae > 0 else 0.0
            eta = 0.02
            quant = self._quant[h]
            for j, tau in enumerate(_TAUS):
                quant[j] += eta * (tau - (1.0 if z < quant[j] else 0.0))
            rate = max(self._err_rate, 1.0 / self._mae_seen[h])
            self._mae[h] = mae + rate * (min(abs(err), 6.0 * mae) - mae)
            # regression of the change on the two features (clipped target)
            a, c = self._coef[h]
            pred = a * x1 + c * x2
            d = y - y0
            lim = 4.0 * mae
            r = d - pred
            if r > lim:
                d = pred + lim
            elif r < -lim:
                d = pred - lim
            sxx = self._sxx[h]
            sxy = self._sxy[h]
            sxx[0] = forget * sxx[0] + x1 * x1
            sxx[1] = forget * sxx[1] + x1 * x2
            sxx[2] = forget * sxx[2] + x2 * x2
            sxy[0] = forget * sxy[0] + x1 * d
            sxy[1] = forget * sxy[1] + x2 * d
            self._count[h] = forget * self._count[h] + 1.0
            self._coef[h] = self._solve(h)

    def _solve(self, h: int) -> tuple[float, float]:
        """Ridge solution, shrunk towards (0, 1) with the weight of a few points."""
        sxx, sxy = self._sxx[h], self._sxy[h]
        count = self._count[h]
        lam = 8.0 * (sxx[0] + sxx[2]) / (2.0 * count) + 1e-12
        a11 = sxx[0] + lam
        a12 = sxx[1]
        a22 = sxx[2] + lam
        b1 = sxy[0]
        b2 = sxy[1] + lam * 1.0
        det = a11 * a22 - a12 * a12
        if det <= 0:
            return self._coef[h]
        a = (a22 * b1 - a12 * b2) / det
        c = (a11 * b2 - a12 * b1) / det
        return (min(max(a, -0.5), 1.5), min(max(c, -0.5), 2.0))

    def _between(self, k: int) -> tuple[int, int, float]:
        """The tracked horizons around k and the log-interpolation weight of the upper one."""
        last = len(_HORIZONS) - 1
        if k >= _HORIZONS[last]:
            return last, last, 0.0
        lo = k.bit_length() - 1  # horizons are powers of two
        if _HORIZONS[lo] == k:
            return lo, lo, 0.0
        w = math.log(k / _HORIZONS[lo]) / math.log(_HORIZONS[lo + 1] / _HORIZONS[lo])
        return lo, lo + 1, w

    def _error_quantile(self, h: int, tau: float) -> float:
        quant = self._quant[h]
        scale = self._mae[h] if self._mae_seen[h] else (self._scale or 0.0)
        if tau <= _TAUS[0]:
            z = quant[0] + (_laplace_quantile(tau) - _laplace_quantile(_TAUS[0]))
        elif tau >= _TAUS[-1]:
            z = quant[-1] + (_laplace_quantile(tau) - _laplace_quantile(_TAUS[-1]))
        else:
            j = 1
            while _TAUS[j] < tau:
                j += 1
            w = (tau - _TAUS[j - 1]) / (_TAUS[j] - _TAUS[j - 1])
            z = quant[j - 1] + (quant[j] - quant[j - 1]) * w
        return z * scale

