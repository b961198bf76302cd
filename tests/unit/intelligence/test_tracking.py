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


def _switching(seed: int, points: int, every: int) -> ErrorTracker:
    """A tracker whose best 3-step candidate alternates between 2 and 3 every `every`
    points (the better one off by 0.2, the other by 1.0, the rest by 2.0)."""
    rng = random.Random(seed)
    tracker = ErrorTracker(200.0, lambda: 1.0)
    for i in range(points):
        best, other = (2, 3) if (i // every) % 2 == 0 else (3, 2)
        tracker.queues[_SHORT].append(_point(rng, {best: 0.2, other: 1.0}))
        if len(tracker.queues[_SHORT]) >= tracker.limits[_SHORT]:
            tracker.resolve(_SHORT)
    tracker.settle()
    return tracker


def test_the_three_step_blend_follows_a_best_candidate_that_keeps_changing() -> None:
    # 20 points after a switch the slow blend (half-life 100 points) is still split between
    # the old best and the new one; the fast one (25 points) has moved to the new best, and
    # the two blends' own errors have come to favour it
    followed = 0
    for seed in range(10):
        tracker = _switching(seed, 50 * 9 + 20, 50)  # the 20th point of a run where 3 is best
        combined, slow = tracker.weights[_SHORT], tracker.slow_weights()[_SHORT]
        assert combined[3] > slow[3]
        assert combined[2] + combined[3] > 0.99  # the noisy candidates stay out
        followed += combined[3] > 0.85 and slow[3] < 0.65
    assert followed >= 7


def test_only_the_three_step_horizon_has_a_fast_blend() -> None:
    tracker = _tracker(4, 300)
    slow = tracker.slow_weights()
    for h in range(len(blend.HORIZONS)):
        if h != _SHORT:
            assert slow[h] == tracker.weights[h]
        assert math.fsum(slow[h]) == pytest.approx(1.0)
        assert math.fsum(tracker.weights[h]) == pytest.approx(1.0)


@pytest.mark.parametrize("h", range(len(blend.HORIZONS)))
def test_point_by_point_and_block_resolution_agree_bit_for_bit(h: int) -> None:
    # the same scored points resolved one at a time (_resolve_rows / _resolve_fast_rows,
    # with _band_step) and in one numpy block after the first (_resolve_block /
    # _resolve_fast_block, with _bands_after) leave the same errors, weights and bands
    rng = random.Random(11 + h)
    points = [_point(rng, {2: 0.3, 3: 0.6}) for _ in range(120)]
    by_point = ErrorTracker(200.0, lambda: 2.5)
    for point in points:
        by_point.queues[h].append(point)
        by_point.resolve(h)
    by_block = ErrorTracker(200.0, lambda: 2.5)
    by_block.queues[h].append(points[0])
    by_block.resolve(h)  # the first point alone, as the forecaster does
    by_block.queues[h].extend(points[1:])
    by_block.resolve(h)
    assert by_point.seen[h] == by_block.seen[h] == len(points)
    assert by_point.weights[h] == by_block.weights[h]
    assert by_point.slow_weights()[h] == by_block.slow_weights()[h]
    for tau in (0.1, 0.5, 0.9, 0.97):
        assert by_point.error_quantile(h, tau, 1.0) == by_block.error_quantile(h, tau, 1.0)
