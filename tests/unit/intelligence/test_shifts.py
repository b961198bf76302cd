"""The level-shift detector that cuts the forecaster's running windows."""

from __future__ import annotations

import random

from podium.intelligence import Forecaster, seasonal
from podium.intelligence.shifts import ShiftDetector

STEP = 300.0
T0 = 1_700_006_400.0  # a midnight, UTC


def feed(detector: ShiftDetector, values: list[float]) -> list[int]:
    """What `observe` returns for each value, around level 0 with limit 1."""
    return [detector.observe(y, 0.0, 1.0) for y in values]


def test_points_within_the_limit_change_nothing() -> None:
    detector = ShiftDetector(61)
    assert feed(detector, [0.5, -0.9, 1.0, -1.0] * 5) == [0] * 20
    assert detector.run == 0


def test_a_run_is_a_shift_once_it_is_long_enough_and_is_cut_once() -> None:
    detector = ShiftDetector(61)
    cuts = feed(detector, [5.0] * 10)
    assert cuts == [0] * (seasonal.SHIFT_RUN - 1) + [seasonal.SHIFT_RUN] + [0] * (
        10 - seasonal.SHIFT_RUN
    )


def test_a_run_changing_side_starts_again() -> None:
    detector = ShiftDetector(61)
    assert feed(detector, [5.0, 5.0, -5.0, -5.0, 5.0, 5.0]) == [0] * 6


def test_bursts_seen_before_raise_the_length_of_a_shift() -> None:
    detector = ShiftDetector(61)
    burst = [5.0] * 6 + [0.0]  # a six-point burst, then back
    feed(detector, burst)
    # now a run is a shift only after more than twice six points
    cuts = feed(detector, [5.0] * 20)
    assert cuts.index(seasonal.SHIFT_RUN) == 12
    assert sum(cuts) == seasonal.SHIFT_RUN


def test_the_remembered_run_is_capped() -> None:
    detector = ShiftDetector(8)
    feed(detector, [5.0] * 100 + [0.0])
    cuts = feed(detector, [5.0] * 30)
    assert cuts.index(seasonal.SHIFT_RUN) == 2 * 8


def test_the_hour_ahead_follows_a_level_shift_within_the_long_window() -> None:
    # three quiet days, then the load moves for good: 40 minutes later the hour-ahead
    # forecast is at the new level (the 61-point median alone would still be at the old)
    rng = random.Random(4)  # quiet days without a run long enough to raise the bar
    f = Forecaster()
    n = 3 * 288
    for i in range(n + 8):
        level = 100.0 if i < n else 200.0
        f.update(T0 + i * STEP, level + rng.gauss(0.0, 2.0))
    ahead = f.forecast(12)
    assert all(abs(v - 200.0) < 20.0 for v in ahead), ahead
