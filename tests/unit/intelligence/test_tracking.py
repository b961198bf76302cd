"""ErrorTracker's pooled weights on seeded synthetic candidate errors (no data from ../shared)."""

from __future__ import annotations

import math
import random

import pytest

from podium.intelligence import blend
from podium.intelligence.tracking import POOL_FROM, ErrorTracker

_SHORT = blend.HORIZONS.index(3)  # the 3-step horizon (15 minutes at 5-minute steps)
_HOUR = blend.HORIZONS.index(POOL_FROM)  # the 12-step horizon, pooled with the 3-step one


def _point(
    rng: random.Random, spreads: dict[int, float]
) -> tuple[float, tuple[float, ...], tuple[float, ...]]:
    """A queued point: the actual and candidates off it by Gaussian noise of `spreads[i]`
    for candidate i (2.0 for the others). Candidate order: `blend.candidates`."""
    y = rng.gauss(0.0, 1.0)
    c = [y + rng.gauss(0.0, spreads.get(i, 2.0)) for i in range(blend.CANDIDATES)]
    base = (c[0], c[1], c[2], c[3], c[4], c[6] - c[5])  # the profile at the target is 0
    extra = (0.0, c[5], c[7] - c[3], c[8] - c[3], c[9])
    assert blend.candidates(base, 0.0, c[5], extra[2], extra[3], c[9]) == pytest.approx(c)
    return y, base, extra


def _tracker(seed: int, points: int) -> ErrorTracker:
    # at 3 steps the 15-point median (candidate 2) is clearly the best; at 12 steps it and
    # the 61-point median (candidate 3) are equally good, so their own errors there are a
    # near tie decided by luck
    rng = random.Random(seed)
    tracker = ErrorTracker(200.0, lambda: 1.0)
    for _ in range(points):
        for h, spreads in ((_SHORT, {2: 0.1, 3: 0.5}), (_HOUR, {2: 0.5, 3: 0.5})):
            tracker.queues[h].append(_point(rng, spreads))
            if len(tracker.queues[h]) >= tracker.limits[h]:
                tracker.resolve(h)
    tracker.settle()
    return tracker


def test_short_horizons_keep_their_own_weights() -> None:
    tracker = _tracker(3, 300)
    pooled = tracker.pooled_weights()
    assert pooled[: blend.HORIZONS.index(POOL_FROM)] == tracker.weights[:_HOUR]
    for row in pooled:
        assert math.fsum(row) == pytest.approx(1.0)


def test_the_hour_ahead_weights_lean_on_the_shorter_horizons_ranking() -> None:
    # a near tie at 12 steps is broken towards the candidate the 3-step horizon ranks first,
    # on most seeds; the own 12-step weights split it by luck
    leaning = 0
    for seed in range(20):
        tracker = _tracker(seed, 300)
        own, pooled = tracker.weights[_HOUR], tracker.pooled_weights()[_HOUR]
        share_own = own[2] / (own[2] + own[3])
        share_pooled = pooled[2] / (pooled[2] + pooled[3])
        assert share_pooled > share_own
        leaning += share_pooled > 0.75
        assert pooled[2] + pooled[3] > 0.99  # the noisy candidates stay out
    assert leaning >= 18


def test_nothing_scored_at_the_shorter_horizon_leaves_the_own_weights() -> None:
    rng = random.Random(5)
    tracker = ErrorTracker(200.0, lambda: 1.0)
    for _ in range(50):
        tracker.queues[_HOUR].append(_point(rng, {2: 0.5}))
    tracker.settle()
    assert tracker.pooled_weights()[_HOUR] == tracker.weights[_HOUR]
