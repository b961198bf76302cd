"""benchmarks/tradeoff.py: reading a scaler's worker-minutes off a swept curve."""

from benchmarks.tradeoff import Point, minutes_at

CURVE = [Point(1.0, 100.0, 0.04), Point(0.9, 110.0, 0.02), Point(0.8, 130.0, 0.0)]


def test_a_share_between_two_settings_is_read_linearly() -> None:
    assert minutes_at(CURVE, 0.03) == 105.0
    assert minutes_at(CURVE, 0.01) == 120.0


def test_the_ends_of_the_curve_are_its_own_points() -> None:
    assert minutes_at(CURVE, 0.04) == 100.0
    assert minutes_at(CURVE, 0.0) == 130.0


def test_a_share_the_sweep_does_not_reach_gives_no_figure() -> None:
    assert minutes_at(CURVE, 0.05) is None
    assert minutes_at([Point(1.0, 100.0, 0.01)], 0.01) is None


def test_a_flat_stretch_takes_its_cheaper_end() -> None:
    flat = [Point(1.0, 100.0, 0.02), Point(0.9, 110.0, 0.02)]
    assert minutes_at(flat, 0.02) == 100.0
