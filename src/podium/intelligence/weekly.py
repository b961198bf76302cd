"""The week-ago value for the load forecaster: a robust seasonal naive at the weekly period.

Load has a weekly cycle as well as a daily one (traffic and office hours differ by weekday),
and the day-ago candidates miss it. `WeekAgo` keeps, for the last week of step indices, the
median of the points within two steps of each step (the forecaster's day-ago window median,
computed once when the window's last point arrives), so the week-ago value of a target is
one lookup: the robust seasonal naive forecast at a period of one week (the seasonal naive
method, e.g. Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed.,
section 5.2, with the median window that keeps one spike a week ago from carrying over). The
blend weighs it by its tracked errors like every other candidate, so a series whose weeks
do not repeat (or that has less than a week of history) gives it no weight.

Memory: one float and one index per step of a week (2,016 of each at 5-minute steps), in
typed arrays; none when a week is more steps than the forecaster keeps history for.

Used by `podium.intelligence.forecast.Forecaster`, which owns one per series.
"""

from __future__ import annotations

import math
from array import array

__all__ = ["WeekAgo"]

WEEK = 7 * 86400.0
_NO_INDEX = -(1 << 62)  # an empty slot (no step index is negative)


class WeekAgo:
    """Window medians by step index over the last week (see the module doc).

    Args:
        step: the sampling step in seconds.
        window: steps on each side of the week-ago step that its median covers.
        extra: slots kept beyond a week (the longest tracked horizon, so a scored target's
            week-ago window is still there when the target arrives).
        most: the most slots to keep; a longer week keeps none (`steps` is 0).
    """

    __slots__ = ("_index", "_median", "_window", "steps")

    def __init__(self, step: float, window: int, extra: int, most: int) -> None:
        week = round(WEEK / step)
        self.steps = week if week + extra <= most else 0  # 0: no week-ago values
        size = week + extra if self.steps else 0
        self._window = window
        self._index = array("q", [_NO_INDEX]) * size
        self._median = array("d", [math.nan]) * size

    def record(self, index: int, median: float | None) -> None:
        """The window median ending at step `index` (None: no point in the window)."""
        if not self.steps:
            return
        slot = index % len(self._index)
        self._index[slot] = index
        self._median[slot] = math.nan if median is None else median

    def at(self, target: int, origin: int) -> float:
        """The median of the points within `window` steps of one week before `target`.

        Only a window whose last point is at or before `origin` counts (causality); NaN
        when it is unknown (no week of history, or no point there).
        """
        if not self.steps:
            return math.nan
        last = target - self.steps + self._window
        slot = last % len(self._index)
        if last <= origin and self._index[slot] == last:
            return self._median[slot]
        return math.nan
