"""WeekAgo: the forecaster's week-ago window medians, by step index."""

from __future__ import annotations

import math

from podium.intelligence.weekly import WeekAgo

STEP = 300.0
WEEK = 7 * 288  # steps in a week at 5-minute steps


def test_the_median_recorded_a_week_before_the_target_is_read_back() -> None:
    w = WeekAgo(STEP, 2, 49, 20000)
    assert w.steps == WEEK
    w.record(100, 7.5)  # the window median ending at step 100 (centred on step 98)
    assert w.at(98 + WEEK, 200 + WEEK) == 7.5


def test_unknown_and_future_windows_are_nan() -> None:
    w = WeekAgo(STEP, 2, 49, 20000)
    assert math.isnan(w.at(WEEK + 10, WEEK + 9))  # nothing recorded
    w.record(12, 3.0)
    assert math.isnan(w.at(WEEK + 10, 11))  # its last point comes after the origin
    w.record(13, None)  # no point in that window
    assert math.isnan(w.at(WEEK + 11, WEEK))


def test_a_slot_overwritten_by_a_later_step_is_not_read_for_the_older_one() -> None:
    w = WeekAgo(STEP, 2, 49, 20000)
    size = WEEK + 49
    w.record(5, 1.0)
    w.record(5 + size, 2.0)  # the same slot, one ring later
    assert math.isnan(w.at(3 + WEEK, 5 + size))
    assert w.at(3 + size + WEEK, 5 + size + WEEK) == 2.0


def test_a_week_longer_than_the_history_kept_keeps_nothing() -> None:
    w = WeekAgo(10.0, 2, 49, 20000)  # 60,480 steps a week
    assert w.steps == 0
    w.record(5, 1.0)  # ignored
    assert math.isnan(w.at(5 + 60480, 10**6))
