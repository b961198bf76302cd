"""Quantile bands for the load forecaster, from its own out-of-sample errors.

Per tracked horizon the forecaster keeps an exponentially weighted mean absolute error of its
blend and, on the errors divided by it, a grid of quantiles (0.1, 0.25, 0.5, 0.75, 0.9)
tracked by stochastic approximation (Robbins & Monro 1951; the online quantile update
``q += eta * (tau - 1[z < q])``), seeded with a Laplace shape and extrapolated with it beyond
the grid. ``forecast(h, quantile=q)`` adds the interpolated error quantile to the point
forecast.
"""

from __future__ import annotations

import math

from podium.intelligence import blend

__all__ = ["DOWN", "TAUS", "UP", "error_quantile", "laplace_quantile", "seed"]

TAUS = (0.1, 0.25, 0.5, 0.75, 0.9)  # quantiles tracked of the blend's errors
_ETA = 0.02  # step of the quantile tracking, in units of the mean absolute error
# a quantile's move when above an error, and when at or below it, per tracked horizon (the
# strided ones move as far per step of time as the others)
DOWN = tuple(tuple(_ETA * s * (tau - 1.0) for tau in TAUS) for s in blend.STRIDES)
UP = tuple(tuple(_ETA * s * tau for tau in TAUS) for s in blend.STRIDES)


def laplace_quantile(tau: float) -> float:
    """The tau-quantile of a Laplace distribution whose mean absolute value is 1."""
    if tau < 0.5:
        return math.log(2.0 * tau)
    return -math.log(2.0 * (1.0 - tau))


def seed() -> list[float]:
    """The starting grid: the Laplace quantiles at ``TAUS``."""
    return [laplace_quantile(tau) for tau in TAUS]


def error_quantile(quant: list[float], scale: float, tau: float) -> float:
    """The tau-quantile of the error, from the tracked grid `quant` (in units of `scale`).

    Interpolated inside the grid and extrapolated with the Laplace shape beyond it.
    """
    if tau <= TAUS[0]:
        z = quant[0] + laplace_quantile(tau) - laplace_quantile(TAUS[0])
    elif tau >= TAUS[-1]:
        z = quant[-1] + laplace_quantile(tau) - laplace_quantile(TAUS[-1])
    else:
        j = 1
        while TAUS[j] < tau:
            j += 1
        lo, hi = quant[j - 1], max(quant[j - 1], quant[j])
        z = lo + (hi - lo) * (tau - TAUS[j - 1]) / (TAUS[j] - TAUS[j - 1])
    return z * scale
