"""Forecast combination for the load forecaster: the candidates, weighted by inverse error.

For a horizon of k steps the candidates are the last value; the 5-, 15- and 61-point running
medians; the 15-point median moved along the seasonal profile; the robust day-ago value,
alone and moved by the 61-point median's change since a day before; the 61-point median
plus the deviation that recurs at the target's time of day, and of the hour; and the robust
week-ago value. Their
out-of-sample errors are tracked per horizon and the forecast is the combination weighted by
inverse error to the 16th power (Bates & Granger 1969; Stock & Watson 2004), separate per
tracked horizon and interpolated in log-horizon between them (from 12 steps on, a candidate's
error is pooled with its error at the next shorter horizon:
`podium.intelligence.tracking.ErrorTracker.pooled_weights`).

Used by `podium.intelligence.forecast.Forecaster` (see its module docstring for the method).
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "CANDIDATES",
    "HORIZONS",
    "POWER",
    "SQUARINGS",
    "STRIDES",
    "between",
    "candidate_block",
    "candidates",
    "dot",
    "inverse_error_weights",
    "median",
    "raised",
    "sorted_median",
]

HORIZONS = (1, 3, 12, 48)  # tracked horizons, in steps (at 5 min: 5 min, 15 min, 1 h, 4 h)
STRIDES = (2, 1, 3, 12)  # a tracked horizon is scored at every stride-th point only
CANDIDATES = 10
SQUARINGS = 4  # the inverse-error weights' exponent is 2 ** SQUARINGS, raised by squaring
POWER = 2**SQUARINGS


def candidates(
    base: tuple[float, ...],
    target: float,
    day_y: float | None,
    recurring: float,
    hourly: float,
    week_y: float,
) -> tuple[float, ...]:
    """The candidate forecasts, given the components at the origin (see `Forecaster._base`).

    `target` is the seasonal profile at the target time, `day_y` the (smoothed) value one day
    before the target, None if unknown: the profile-moved median stands in for it;
    `recurring` the deviation that recurs at the target's time of day, `hourly` at its
    minute of the hour; `week_y` the (smoothed) value one week before the target, NaN if
    unknown: the day-ago candidate stands in for it (`podium.intelligence.weekly`).
    """
    y, med5, med15, med61, deseasoned, shift = base
    moved = deseasoned + target
    if day_y is None:
        day_y = moved
    return (
        y,
        med5,
        med15,
        med61,
        moved,
        day_y,
        day_y + shift,
        med61 + recurring,
        med61 + hourly,
        day_y if week_y != week_y else week_y,
    )


def candidate_block(
    bases: Sequence[tuple[float, ...]], extras: Sequence[tuple[float, ...]]
) -> npt.NDArray[np.float64]:
    """`candidates` for many points at once: an array (candidate, point), rows contiguous.

    `bases` are the components at each origin; `extras` the other arguments for each point:
    the profile at the target, the day-ago value (NaN for None), the daily and the hourly
    recurring deviations, the week-ago value (NaN: unknown). The arithmetic is
    `candidates`' (the same sums, elementwise).
    """
    n = len(bases)
    width = len(bases[0])
    base = np.fromiter(itertools.chain.from_iterable(bases), np.float64, n * width)
    base = base.reshape(n, width).T
    extra = np.fromiter(itertools.chain.from_iterable(extras), np.float64, 5 * n)
    extra = extra.reshape(n, 5).T
    out = np.empty((CANDIDATES, n))
    out[:4] = base[:4]  # the last value and the 5-, 15- and 61-point medians
    moved = np.add(base[4], extra[0], out=out[4])  # the profile-moved median
    day = out[5]  # the day-ago value, or the profile-moved median while unknown
    day[:] = extra[1]
    np.copyto(day, moved, where=np.isnan(day))
    np.add(day, base[5], out=out[6])  # moved by the 61-point median's change
    np.add(base[3], extra[2], out=out[7])  # the 61-point median plus the recurring deviations
    np.add(base[3], extra[3], out=out[8])
    week = out[9]  # the week-ago value, or the day-ago candidate while unknown
    week[:] = extra[4]
    np.copyto(week, day, where=np.isnan(week))
    return out


def inverse_error_weights(maes: list[float]) -> list[float]:
    """Weights proportional to (best error / error) ** 16; the best candidates share ties."""
    best = min(maes)
    if best <= 0.0:
        exact = [1.0 if m <= 0.0 else 0.0 for m in maes]
        n = sum(exact)
        return [e / n for e in exact]
    inv = [raised(best / m) for m in maes]
    norm = 1.0 / sum(inv)
    return [v * norm for v in inv]


def raised(ratio: float) -> float:
    """``ratio ** POWER`` by repeated squaring.

    Squaring is exact IEEE multiplication, so numpy's blocks (`podium.intelligence.tracking`)
    get bit for bit the same weights as a point-by-point loop; a power function need not:
    numpy's vectorised ``pow`` (AVX-512 builds) differs from the C library's by an ulp in a
    few percent of cases.
    """
    for _ in range(SQUARINGS):
        ratio *= ratio
    return ratio


def dot(weights: list[float], values: tuple[float, ...]) -> float:
    """The weighted sum of the candidates."""
    total: float = sum(map(operator.mul, weights, values))
    return total


def between(k: int) -> tuple[int, int, float]:
    """The tracked horizons around k and the log-interpolation weight of the upper one."""
    if k <= HORIZONS[0]:
        return 0, 0, 0.0
    for i in range(1, len(HORIZONS)):
        hi = HORIZONS[i]
        if k <= hi:
            lo = HORIZONS[i - 1]
            if k == hi:
                return i, i, 0.0
            return i - 1, i, math.log(k / lo) / math.log(hi / lo)
    last = len(HORIZONS) - 1
    return last, last, 0.0


def sorted_median(ordered: list[float]) -> float:
    """The median of an already sorted, non-empty list."""
    m = len(ordered)
    return ordered[m // 2] if m % 2 else 0.5 * (ordered[m // 2 - 1] + ordered[m // 2])


def median(values: list[float]) -> float:
    """The median of a non-empty list."""
    return sorted_median(sorted(values))
