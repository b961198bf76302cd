"""Online load forecasting: robust local levels and a seasonal profile, blended by their errors.

`Forecaster` reads one series, one point at a time, and forecasts the next points of it,
with quantile bands (an upper band for capacity planning). An update is pure Python and
O(1) in time and memory (a few short lists), so one forecaster per queue costs microseconds
per point.

The method, in four parts (the seasonal model lives in `podium.intelligence.seasonal`, the
combination in `podium.intelligence.blend`, the bands in `podium.intelligence.bands`, the
error tracking in `podium.intelligence.tracking`, the week-ago values in `podium.
intelligence.weekly`; this module keeps the clock, the running medians and the history, and
makes the candidates):

1. **Step and clock.** The sampling step is the median of the first gaps between points
   (or given). Each point gets a step index ``round((t - t0) / step)``; gaps (missing
   points) are missing indices, never filled in.
2. **Components.** A time-of-day profile, plus an hour-of-week correction once a week of data
   has been seen, learned by additive Holt-Winters smoothing (Holt 1957, Winters 1960) with
   the clipped, robust innovations of Gelper, Fried & Croux ("Robust forecasting with
   exponential and Holt-Winters smoothing", J. Forecasting 2010). The profiles are read by
   linear interpolation between slot centres, kept centred (mean zero), and slots learn at
   rate ``max(alpha, 1/visits)`` so the first day already counts; they learn from every
   other point's 5-point median (smooth already, so little is lost). The level is a clipped
   exponential smoothing of the deseasonalised series; a level shift (residuals beyond three
   scales on one side several points in a row) re-levels at once. Beside them, running
   medians of the last 5, 15 and 61 points (the two longer kept as sorted windows, so an
   update is a bisection and a deletion): the robust local levels of repeated-median
   filtering (Tukey 1977; Davies, Fried & Gather, "Robust signal extraction for on-line
   monitoring data", J. Stat. Plan. Inference 2004), which ignore the isolated spikes and
   short bursts of load series; the longest one carries the hour-ahead forecasts of noisy
   series. A level shift cuts the windows back to its last points (`podium.intelligence.
   shifts`: a run beyond three scales longer than twice any burst the series has shown).
3. **Candidates blended by their tracked errors.** For a horizon of k steps the candidates are
   the last value; the 5-, 15- and 61-point medians; the 15-point median moved along the
   seasonal profile (``+ S(t+k) - S(centre of its window)``); and, from three days of history
   kept by step index, a robust seasonal naive: the median of the points within two steps of
   one day before the target (only points up to the origin; one spike a day ago does not carry
   over), alone and moved by how much the 61-point median has changed since the same time the
   day before (the profile-moved median stands in while there is no day of history); and the
   61-point median plus the deviation that recurs at the target's step of the day, and of the
   hour: the median over the last three days (ten hours) of the point at that phase less the
   61-point median then (the cycle-subseries median of STL, Cleveland et al., J. Official
   Statistics 1990, at full resolution), which forecasts a nightly job or an hourly cron spike
   but not a one-off spike; and the robust seasonal naive at a period of a week (`podium.
   intelligence.weekly`; the day-ago one stands in before a week of history). For tracked
   horizons (1, 3, 12 and 48 steps) each candidate's out-of-sample absolute error is tracked
   with exponential forgetting (half-life ``memory`` points at 12 steps, ``memory *
   sqrt(k / 12)`` at k steps: a k-step error is correlated with its neighbours over about k
   points, so a longer horizon needs a longer memory for as many independent errors, and a
   short one adapts faster with a shorter memory; the square root is the middle way between
   a constant and a proportional memory), and the forecast is the combination weighted by
   inverse error to the 16th power (forecast combination, Bates & Granger 1969;
   inverse-error weights, Stock & Watson 2004): separate weights per tracked horizon,
   interpolated in log-horizon between them (from 12 steps on, a candidate's error is the
   geometric mean of its errors there and at the next shorter horizon: `tracking`; at 3
   steps a fast blend, its errors tracked with a quarter of that memory, is weighed against
   the slow one by their own errors; beyond 3 steps the slow one's weights). To keep
   an update cheap, the 1-, 12- and 48-step errors (the longer ones overlap strongly from one
   point to the next) are scored at every 2nd, 3rd and 12th point only, with forgetting and
   quantile steps scaled to keep the same memory in time. A series without seasonality thus
   falls back to its robust local level, a seasonal one to yesterday's shape, and the blend
   follows whichever has worked lately.
4. **Quantile bands** from the blend's own out-of-sample errors: per tracked horizon an
   exponentially weighted mean absolute error and, on the errors divided by it, a grid of
   quantiles (0.1, 0.25, 0.5, 0.75, 0.9) tracked by stochastic approximation (Robbins &
   Monro 1951; the online quantile update ``q += eta * (tau - 1[z < q])``), seeded with a
   Laplace shape and extrapolated with it beyond the grid. ``forecast(h, quantile=q)``
   adds the interpolated error quantile to the point forecast.

Speed (issue 17): written for CPython's per-operation costs (plain lists and floats: a numpy
call on a 9-element array costs more than its arithmetic). Scoring past forecasts is queued
and resolved in blocks with numpy when a forecast needs it (`podium.intelligence.tracking`,
bit for bit the same as scoring each point as it comes). The medians that many forecasts
and scorings read (day-ago window, daily and hourly recurring deviations) are computed once,
when their last point arrives (their points are final then), and kept by step index; the
results are bit for bit those of computing them afresh at each read.

Input handling: values must be finite real numbers (``ValueError`` for NaN/inf,
``TypeError`` for anything else, e.g. None or a string); timestamps are epoch seconds or
``datetime`` (a naive datetime is read as UTC) and must increase strictly (``ValueError``
for a duplicate or an out-of-order point, naming both timestamps; ``update(...,
skip_stale=True)`` ignores such points instead, for feeds that may repeat). The forecaster
is deterministic and causal: a forecast depends only on the points given before it.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from datetime import datetime

from podium.intelligence import blend, inputs, seasonal, shifts, tracking
from podium.intelligence.weekly import WeekAgo

__all__ = ["Forecaster"]

_DAY = seasonal.DAY
_HORIZONS = blend.HORIZONS
_STRIDES = blend.STRIDES
_DUE_CYCLE = math.lcm(*_STRIDES)


def _due(day: int, hour: int) -> tuple[tuple[tuple[int, int, int, int, int], ...], ...]:
    """The tracked horizons scored at a point, by its step index modulo _DUE_CYCLE.

    Each as (index, steps, days back, hours back, kind): the periods back from the target to
    the last point up to the origin at the same time of day, and of the hour (0: no period);
    `kind` numbers what the candidates read at the target (`Forecaster._extra`), equal for
    horizons that read the same: the same periods back, and a day-ago window that ends
    before the origin (so does not depend on it) or the same origin.
    """
    table = []
    for i in range(_DUE_CYCLE):
        due, kinds = [], []
        for h, k in enumerate(_HORIZONS):
            if i % _STRIDES[h]:
                continue
            day_back = -(-k // day) if day >= 2 else 0
            hour_back = -(-k // hour) if hour >= 2 else 0
            kind = (day_back, hour_back, -1 if k < day - _DAY_WINDOW else k)
            if kind not in kinds:
                kinds.append(kind)
            due.append((h, k, day_back, hour_back, kinds.index(kind)))
        table.append(tuple(due))
    return tuple(table)


_CANDIDATES = blend.CANDIDATES
_MAX_DAY_STEPS = 20000  # points of history kept at most (fewer days of it at short steps)
_SHORT = 5  # points of the short running median
_LONG = 15  # points of the long running median
_LONGER = 61  # points of the longest running median
_HOURS = 10  # hours back for the hourly recurring deviation (the median of 10)
_HIST_DAYS = 3  # days of history for the recurring deviation (the median of 3 days)
_DAY_WINDOW = 2  # the day-ago value is the median of the points within 2 steps of it
_STEP_SAMPLES = 9  # gaps looked at before the step is fixed
_RING = _HORIZONS[-1] + 1
_SHORT_IS_DAY_WINDOW = _SHORT == 2 * _DAY_WINDOW + 1  # the short median is a day-ago window's
_NO_INDEX = -(1 << 62)  # an empty slot of the rings (no step index is negative)
_NEVER = 1 << 62  # a step index never reached
_median = blend.median
_BETWEEN = tuple(blend.between(k) for k in range(_HORIZONS[-1] + 1))  # by horizon k
_sorted_median = blend.sorted_median


class Forecaster:
    """Online forecaster of one series with daily and weekly seasonality (see the module doc).

    Args:
        step: the sampling step in seconds; inferred from the first gaps when None.
        daily_slots: slots of the time-of-day profile (read linearly between slot centres).
        weekly: learn an hour-of-week correction once a week of data has been seen.
        level_halflife: half-life of the seasonal model's level, in seconds.
        season_rate: smallest learning rate of a seasonal slot (per visit).
        memory: half-life, in points, of the tracked errors that weigh the blend, at the
            12-step horizon; a k-step horizon's is ``memory * sqrt(k / 12)``.
    """

    def __init__(
        self,
        step: float | None = None,
        *,
        daily_slots: int = 48,
        weekly: bool = True,
        level_halflife: float = 6 * 3600.0,
        season_rate: float = 0.1,
        memory: float = 200.0,
    ) -> None:
        if step is not None and (
            not isinstance(step, int | float) or not math.isfinite(step) or step <= 0
        ):
            raise ValueError(f"step must be a positive number of seconds or None, got {step!r}")
        if not isinstance(daily_slots, int) or daily_slots < 1:
            raise ValueError(f"daily_slots must be an int of at least 1, got {daily_slots!r}")
        if not level_halflife > 0:
            raise ValueError(f"level_halflife must be positive seconds, got {level_halflife!r}")
        if not 0 < season_rate <= 1:
            raise ValueError(f"season_rate must be in (0, 1], got {season_rate!r}")
        if not memory >= 1:
            raise ValueError(f"memory must be at least 1 point, got {memory!r}")
        self._step: float | None = float(step) if step is not None else None
        self._step_fixed = step is not None
        self._gaps: list[float] = []
        self._model = seasonal.SeasonalModel(
            daily_slots, weekly, float(level_halflife), float(season_rate)
        )
        self._season = self._model.season
        self._t0 = 0.0
        self._n = 0
        self._last_t = -math.inf
        self._last_index = 0
        # the last _LONGER points (values, times), newest at the end, and sorted copies of
        # the last _LONG and _LONGER values
        self._recent: list[float] = []
        self._recent_t: list[float] = []
        self._recent_s: list[float] = []  # the profile at each, when it came
        self._sorted_long: list[float] = []
        self._sorted_longer: list[float] = []
        self._shifts = shifts.ShiftDetector(_LONGER)  # cuts the windows at a level shift
        # the components at the last point: the value, the 5-, 15- and 61-point medians, the
        # 15-point median less the profile at its window's centre, and the 61-point
        # median's move since a day before
        self._base: tuple[float, ...] = (0.0,) * 6
        # ring of the components by step index, to score them when their targets arrive
        self._ring_index = [_NO_INDEX] * _RING
        self._ring: list[tuple[float, ...]] = [self._base] * _RING
        # up to _HIST_DAYS days of history by step index (value, 61-point median): the
        # day-ago candidates and the recurring deviation (a step without a point: NaN)
        self._day_steps = 0
        self._hour_steps = 0
        self._run_from = _NEVER  # every step from this index on has its point in the history
        self._hist_days = 0
        self._hist_index: list[int] = []
        self._hist_y: list[float] = []  # the value
        self._hist_med: list[float] = []  # the 61-point median then
        self._hist_dev: list[float] = []  # the value less the 61-point median
        # by the step index of their last point (see the module doc, Speed): the day-ago
        # window's median, and the daily and hourly recurring deviations
        self._day_med: list[float | None] = []
        self._day_rec: list[float] = []
        self._hour_rec: list[float] = []
        self._due = _due(0, 0)
        self._day_span = self._hour_span = 0
        self._week = WeekAgo(1.0, _DAY_WINDOW, _RING, 0)  # none until the step is known
        if self._step is not None:
            self._start_history(self._step)
        self._errors = tracking.ErrorTracker(memory, lambda: self._model.scale)
        self._queues, self._limits = self._errors.queues, self._errors.limits

    # ----------------------------------------------------------------------------- public

    @property
    def step(self) -> float | None:
        """The sampling step in seconds (None until two points have been seen)."""
        return self._step

    @property
    def count(self) -> int:
        """The number of points learned from."""
        return self._n

    def update(
        self, timestamp: datetime | float, value: float, *, skip_stale: bool = False
    ) -> None:
        """Learn one point; timestamps must increase strictly.

        Raises:
            TypeError: the timestamp is not a datetime or number, or the value not a number.
            ValueError: the value or timestamp is NaN or infinite, or the timestamp does not
                come after the last one (a duplicate or out-of-order point) and `skip_stale`
                is False.
        """
        # the common case (finite floats) first; everything else goes through the checks
        t = timestamp if type(timestamp) is float and timestamp - timestamp == 0.0 else None
        t = inputs.seconds(timestamp) if t is None else t
        y = value if type(value) is float and value - value == 0.0 else inputs.value(value)
        if t <= self._last_t:
            if skip_stale:
                return
            what = "a duplicate of" if t == self._last_t else "before"
            raise ValueError(
                f"timestamp {t!r} is {what} the last one ({self._last_t!r}); points must come "
                "in strictly increasing time order (drop or merge repeats, or pass "
                "skip_stale=True to ignore them)"
            )
        if self._n == 0:
            self._t0 = t
            self._model.start(t, y)
        elif not self._step_fixed:
            self._learn_step(t)
        step = self._step
        if step is None:
            index = 0
        else:
            index = round((t - self._t0) / step)
            if index <= self._last_index and self._n:
                index = self._last_index + 1  # jitter of more than half a step
        if index != self._last_index + 1 or self._run_from > index:
            self._run_from = index  # a gap (or the history's start): a new run of points
            if self._day_steps and index > self._last_index + 1:
                self._mark_missing(self._last_index + 1, index)
        season = self._season(t)
        if self._n:
            self._score(index, y, season)

        recent, recent_t, recent_s = self._recent, self._recent_t, self._recent_s
        recent.append(y)
        recent_t.append(t)
        recent_s.append(season)
        m = len(recent)
        long_, longer = self._sorted_long, self._sorted_longer
        bisect.insort(long_, y)
        bisect.insort(longer, y)
        limit = seasonal.CLIP * self._model.scale  # a level shift cuts the windows back
        if self._shifts.run or abs(y - self._base[3]) > limit > 0.0:
            keep = self._shifts.observe(y, self._base[3], limit)
            if m > keep > 0:  # each window holds the last len(window) points
                long_[:] = longer[:] = sorted(recent[-keep:])
        if len(long_) > _LONG:
            del long_[bisect.bisect_left(long_, recent[-1 - _LONG])]
        if m > _LONGER:
            if len(longer) > _LONGER:
                del longer[bisect.bisect_left(longer, recent[0])]
            del recent[0]
            del recent_t[0]
            del recent_s[0]
            m -= 1
        # the running medians (blend.sorted_median and median, inline)
        n = len(long_)
        med15 = long_[n // 2] if n % 2 else 0.5 * (long_[n // 2 - 1] + long_[n // 2])
        n = len(longer)
        med61 = longer[n // 2] if n % 2 else 0.5 * (longer[n // 2 - 1] + longer[n // 2])
        short = sorted(recent[-_SHORT:])
        med5 = short[_SHORT // 2] if m >= _SHORT and _SHORT % 2 else _sorted_median(short)
        # the seasonal model learns from the short median (isolated spikes removed), at the
        # time of its window's centre
        centre = recent_t[-1 - (m if m < _SHORT else _SHORT) // 2]
        if self._n and index % 2 == 0:  # every other point: learn from a smoothed series
            self._model.learn(centre, med5)
        shift = 0.0
        day = self._day_steps
        if day:
            hist_index, hist_med = self._hist_index, self._hist_med
            size = len(hist_med)
            slot = index % size
            hist_index[slot] = index
            self._hist_y[slot] = y
            hist_med[slot] = med61
            self._hist_dev[slot] = y - med61
            # the medians ending at this point, read back by _day_ago and _recurring
            self._day_med[slot] = (
                med5  # the same points when the last _SHORT came one step apart
                if self._run_from <= index - 2 * _DAY_WINDOW and _SHORT_IS_DAY_WINDOW
                else self._window_median(index, index - 2 * _DAY_WINDOW)
            )
            self._week.record(index, self._day_med[slot])  # and a week on, for _week.at
            # the recurring deviations ending here (_recurring_at, inline)
            dev, run_from = self._hist_dev, self._run_from
            if day >= 2:
                first = index - self._day_span
                self._day_rec[slot] = seasonal.recurring_median(
                    seasonal.strided(dev, first % size, slot, day), first >= run_from
                )
            hour = self._hour_steps
            if hour >= 2:
                first = index - self._hour_span
                self._hour_rec[slot] = seasonal.recurring_median(
                    seasonal.strided(dev, first % size, slot, hour), first >= run_from
                )
            for d in (0, -1, 1):  # the 61-point median a day before (or a step off)
                then = index - day + d
                if hist_index[then % size] == then:
                    shift = med61 - hist_med[then % size]
                    break
        base = self._base = (
            y,
            med5,
            med15,
            med61,
            med15 - recent_s[m - 1 - (m if m < _LONG else _LONG) // 2],
            shift,
        )
        slot = index % _RING
        self._ring_index[slot] = index
        self._ring[slot] = base
        self._n += 1
        self._last_t = t
        self._last_index = index

    def forecast(self, horizon: int, quantile: float | None = None) -> list[float]:
        """The next `horizon` points (one per step after the last point).

        With `quantile` in (0, 1), that quantile of each point instead of the point forecast:
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
                raise TypeError(f"quantile must be a float in (0, 1) or None, got {quantile!r}")
            if not 0.0 < quantile < 1.0:
                raise ValueError(
                    "quantile must be strictly between 0 and 1 (0.9 = upper band), "
                    f"got {quantile!r}"
                )
        if self._n == 0:
            raise ValueError("no data yet: call update(timestamp, value) before forecast()")
        step = self._step
        base = self._base
        if step is None:
            return [base[0]] * horizon
        t = self._last_t
        index = self._last_index
        day, days, hour = self._day_steps, self._hist_days, self._hour_steps
        errors = self._errors
        errors.settle()
        weights, slow = errors.pooled_weights(), errors.slow_weights()
        out = []
        for k in range(1, horizon + 1):
            lo, hi, w = _BETWEEN[k] if k < len(_BETWEEN) else blend.between(k)
            cands = blend.candidates(
                base,
                self._season(t + k * step),
                self._day_ago(index + k, index),
                self._recurring(index + k, index, day, days, self._day_rec),
                self._recurring(index + k, index, hour, _HOURS, self._hour_rec),
                self._week.at(index + k, index),
            )
            # a horizon's weights up to it; beyond it (towards the next) its slow blend's
            f = blend.dot(weights[lo] if k <= _HORIZONS[lo] else slow[lo], cands)
            if w:
                f += (blend.dot(weights[hi], cands) - f) * w
            if quantile is not None:
                q = self._error_quantile(lo, quantile)
                if w:
                    q += (self._error_quantile(hi, quantile) - q) * w
                f += q
            out.append(f)
        return out

    def __call__(
        self, history: Iterable[tuple[datetime | float, float]], horizon: int
    ) -> list[float]:
        """Learn `history` (``(timestamp, value)`` pairs in time order), forecast `horizon`."""
        for timestamp, value in history:
            self.update(timestamp, value)
        return self.forecast(horizon)

    # ---------------------------------------------------------------------------- private

    def _start_history(self, step: float) -> None:
        day = round(_DAY / step)
        days = min(_HIST_DAYS, (_MAX_DAY_STEPS - _RING) // max(day, 1))
        if days < 1:
            return
        self._day_steps = day
        self._hour_steps = round(3600.0 / step)
        self._due = _due(day, self._hour_steps)
        # from the first to the last point of the recurring deviations (daily, hourly)
        self._day_span = (days - 1) * day
        self._hour_span = (_HOURS - 1) * self._hour_steps
        self._run_from = _NEVER
        self._hist_days = days
        size = days * day + _RING
        self._hist_index = [_NO_INDEX] * size
        self._hist_y, self._hist_dev = [math.nan] * size, [math.nan] * size
        self._hist_med = [0.0] * size
        self._day_med = [None] * size
        self._day_rec, self._hour_rec = [0.0] * size, [0.0] * size
        self._week = WeekAgo(step, _DAY_WINDOW, _RING, _MAX_DAY_STEPS)

    def _recurring(
        self, target: int, origin: int, period: int, count: int, cached: list[float]
    ) -> float:
        """The deviation from the 61-point median that recurs every `period` steps.

        The median, over the last `count` periods before the target (points up to `origin`
        only), of the point at the same phase less the 61-point median then; with two, the
        smaller deviation (both must agree); 0 with fewer. A one-off spike does not recur; a
        nightly job or an hourly cron does. `cached` holds the value for each last point,
        computed by `update` with this `period` and `count` (`_day_rec` or `_hour_rec`).
        """
        if period < 2:
            return 0.0
        last = target - period * max(1, -(-(target - origin) // period))  # the last <= origin
        slot = last % len(cached)
        if self._hist_index[slot] == last:  # computed when that point came
            return cached[slot]
        return self._recurring_at(last, period, count)

    def _recurring_at(self, last: int, period: int, count: int) -> float:
        """`_recurring` computed afresh: the median over `count` periods back from `last`."""
        dev, first = self._hist_dev, last - (count - 1) * period
        devs = seasonal.strided(dev, first % len(dev), last % len(dev), period)
        return seasonal.recurring_median(devs, first >= self._run_from)

    def _day_ago(self, target: int, origin: int) -> float | None:
        """The median of the points within _DAY_WINDOW steps of one day before `target`.

        Only points up to `origin` count (causality); None when there are none. A full
        window was computed by `update` when its last point came (`_day_med`).
        """
        day = self._day_steps
        if not day:
            return None
        last = target - day + _DAY_WINDOW
        slot = last % len(self._day_med)
        if last <= origin and self._hist_index[slot] == last:
            return self._day_med[slot]
        return self._window_median(min(last, origin), target - day - _DAY_WINDOW)

    def _window_median(self, last: int, first: int) -> float | None:
        """The median of the history's values from step `first` to `last` (None if none)."""
        if first > last:
            return None
        hist_y = self._hist_y
        size = len(hist_y)
        found = seasonal.strided(hist_y, first % size, last % size, 1)
        if first < self._run_from:  # some steps may have no point (NaN): leave them out
            found = [y for y in found if y == y]
        return _median(found) if found else None

    def _mark_missing(self, first: int, end: int) -> None:
        """Mark the steps from `first` to before `end` (a gap) as NaN in the history.

        Every step of the ring's span is then its point or NaN (the ring starts all NaN),
        so a slice of it (`_recurring_at`, `_window_median`) needs no check of each index.
        """
        size = len(self._hist_y)
        first = max(first, end - size)
        lo, hi = first % size, end % size
        for ring in (self._hist_y, self._hist_dev):
            if lo < hi:
                ring[lo:hi] = [math.nan] * (hi - lo)
            else:  # wrapped (or the whole ring)
                ring[lo:] = [math.nan] * (size - lo)
                ring[:hi] = [math.nan] * hi

    def _learn_step(self, t: float) -> None:
        self._gaps.append(t - self._last_t)
        gaps = sorted(self._gaps)
        step = gaps[len(gaps) // 2]
        if len(gaps) >= _STEP_SAMPLES:
            self._step_fixed = True
            self._gaps = []
            self._start_history(step)
        if step != self._step:
            # re-anchor the step index on the last point; the ring is no longer aligned
            self._step = step
            self._t0 = self._last_t
            self._last_index = 0
            self._ring_index = [_NO_INDEX] * _RING

    def _score(self, index: int, y: float, season_now: float) -> None:
        """Score the candidates made k steps ago for this point (queued: see `tracking`)."""
        ring_index, ring = self._ring_index, self._ring
        queues, limits = self._queues, self._limits
        made = -1  # the kind of `extra` (see _due)
        extra: tuple[float, ...] = ()
        for h, k, day_back, hour_back, kind in self._due[index % _DUE_CYCLE]:
            origin = index - k
            slot = origin % _RING
            if ring_index[slot] != origin:
                continue
            if kind != made:
                made = kind
                extra = self._extra(index, origin, day_back, hour_back, season_now)
            queue = queues[h]
            queue.append((y, ring[slot], extra))
            if len(queue) >= limits[h]:
                self._errors.resolve(h)

    def _extra(
        self, index: int, origin: int, day_back: int, hour_back: int, season_now: float
    ) -> tuple[float, float, float, float, float]:
        """What the candidates made at `origin` read at the target `index` (see `_score`).

        The profile there, the day-ago value (NaN: unknown), the daily and hourly recurring
        deviations `day_back` and `hour_back` periods back (0: none), as `_day_ago` and
        `_recurring` read them (their cached common case inline), and the week-ago value.
        """
        hist_index = self._hist_index
        size = len(hist_index)
        day = self._day_steps
        last = index - day + _DAY_WINDOW  # the last of the day-ago points
        found = (
            self._day_med[last % size]
            if day and last <= origin and hist_index[last % size] == last
            else self._day_ago(index, origin)
        )
        recurring = hourly = 0.0
        if day_back:
            then = index - day * day_back
            if hist_index[then % size] == then:
                recurring = self._day_rec[then % size]
            else:
                recurring = self._recurring_at(then, day, self._hist_days)
        if hour_back:
            hour = self._hour_steps
            then = index - hour * hour_back
            if hist_index[then % size] == then:
                hourly = self._hour_rec[then % size]
            else:
                hourly = self._recurring_at(then, hour, _HOURS)
        week = self._week.at(index, origin)
        return (season_now, math.nan if found is None else found, recurring, hourly, week)

    def _error_quantile(self, h: int, tau: float) -> float:
        return self._errors.error_quantile(h, tau, self._model.scale)
