"""Level shifts for the load forecaster's running medians: a run longer than any burst.

The forecaster's 15- and 61-point running medians ignore isolated spikes and short bursts,
but after a lasting level shift (a server's load moves to a new level and stays) they keep
forecasting the old level for half their window, and at the hour-ahead horizon the blend
leans on them. `ShiftDetector` watches for runs of points beyond a few scales on one side of
the 61-point median as it was when the run began (the seasonal model's thresholds,
`seasonal.CLIP` scales and `seasonal.SHIFT_RUN` points), and once a run has lasted more than
twice as long as the longest run that ended before it (and at least `seasonal.SHIFT_RUN`
points) it tells the forecaster to cut its windows back to the last `seasonal.SHIFT_RUN`
points, the new level. A series whose load comes in bursts (a batch job at 100% for half an
hour) has shown how long its bursts last, and only a run longer than those is taken for a
shift; every run is remembered when it ends (at most the 61 points of the longest window),
so a series that keeps shifting back and forth stops being cut. This is the adaptive window
width of on-line repeated-median filters (Fried, Schettlinger & Gather), with the burst
length learned from the series instead of a fixed test.

Used by `podium.intelligence.forecast.Forecaster`, which owns one per series.
"""

from __future__ import annotations

from podium.intelligence import seasonal

__all__ = ["ShiftDetector"]

_FACTOR = 2  # a run is a shift once it lasts more than twice the longest run before it


class ShiftDetector:
    """Runs of points beyond a limit on one side of a reference level (see the module doc).

    Args:
        longest: the most points a run is remembered for (the longest window it cuts).
    """

    __slots__ = ("_cap", "_longest", "_ref", "_sign", "run")

    def __init__(self, longest: int) -> None:
        self._cap = longest
        self._longest = 0  # the longest run that ended so far (at most `_cap`)
        self._ref = 0.0  # the level when the current run began
        self._sign = 0.0  # the deviation that began it (its sign is the run's side)
        self.run = 0  # points in the current run (0: none)

    def observe(self, y: float, level: float, limit: float) -> int:
        """One point, the current level (the 61-point median) and the limit (in values).

        Returns the points to keep in the windows when the run has just become a shift (the
        last `seasonal.SHIFT_RUN`: the new level), else 0. Cheap to skip: a point within
        `limit` of `level` while no run is going on changes nothing.
        """
        run = self.run
        if run:
            d = y - self._ref
            if d * self._sign > 0 and abs(d) > limit:
                run += 1
            else:  # the run ended: remember how long (a burst) and look for a new one
                self._longest = max(self._longest, min(run, self._cap))
                run = 0
        if not run and limit > 0:
            d = y - level
            if abs(d) > limit:
                run, self._ref, self._sign = 1, level, d
        self.run = run
        if run == max(_FACTOR * self._longest + 1, seasonal.SHIFT_RUN):
            return seasonal.SHIFT_RUN  # once per run: it goes on, and is remembered when over
        return 0
