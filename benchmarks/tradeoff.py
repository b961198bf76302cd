"""A scaler's worker-minutes at a given wait, read off another scaler's trade-off curve.

A scaler with a knob (KEDA's queue-length target per worker) is not one point but a curve:
spend more worker-minutes, wait less. Comparing one setting of it with our advice says more
about the setting than about either method, so `scaling.py` sweeps the knob and asks what the
curve would spend to wait as little as the advice does.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple


class Point(NamedTuple):
    """One setting of the knob: its worker-minutes and its share of minutes over target."""

    setting: float
    worker_minutes: float
    over_target: float


def minutes_at(curve: Sequence[Point], over_target: float) -> float | None:
    """The curve's worker-minutes at `over_target`, linear between its two nearest points.

    `curve` runs from the cheapest setting to the most generous one (its share over target
    falling). None when `over_target` is not between the curve's ends: the sweep does not
    reach it, so no figure is claimed.
    """
    for cheap, generous in itertools.pairwise(curve):
        high, low = cheap.over_target, generous.over_target
        if low <= over_target <= high:
            if high == low:
                return min(cheap.worker_minutes, generous.worker_minutes)
            part = (high - over_target) / (high - low)
            return cheap.worker_minutes + part * (generous.worker_minutes - cheap.worker_minutes)
    return None
