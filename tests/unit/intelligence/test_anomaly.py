"""AnomalyDetector on seeded synthetic series: causal, deterministic, bounded, and it finds
planted spikes and level shifts while a clean seasonal series stays quiet."""

from __future__ import annotations

import math
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from podium.intelligence import AnomalyDetector

STEP = 300  # five-minute samples
START = 1_600_000_000  # epoch seconds


def seasonal(n: int, seed: int, noise: float = 1.0) -> list[tuple[float, float]]:
    """A daily sine of amplitude 10 around 50, with Gaussian noise."""
    rng = random.Random(seed)
    return [
        (
            START + i * STEP,
            50.0 + 10.0 * math.sin(2 * math.pi * i * STEP / 86400) + rng.gauss(0, noise),
        )
        for i in range(n)
    ]


def test_scores_of_a_prefix_equal_the_first_scores_of_the_whole_series():
    series = seasonal(3000, seed=1)
    whole = AnomalyDetector()(series)
    prefix = AnomalyDetector()(series[:1700])
    assert prefix == whole[:1700]


def test_same_input_same_scores():
    series = seasonal(2000, seed=2)
    assert AnomalyDetector()(series) == AnomalyDetector()(series)


def test_update_and_call_agree_and_datetimes_equal_epoch_seconds():
    series = seasonal(800, seed=3)
    det = AnomalyDetector()
    one_by_one = [det.update(t, x) for t, x in series]
    as_datetimes = [(datetime.fromtimestamp(t, UTC), x) for t, x in series]
    assert one_by_one == AnomalyDetector()(series) == AnomalyDetector()(as_datetimes)
    assert det.count == 800


def test_scores_are_in_the_unit_interval():
    rng = random.Random(4)
    series = [(START + i, rng.choice([0.0, 1e9, -3.5, rng.gauss(0, 1)])) for i in range(3000)]
    scores = AnomalyDetector()(series)
    assert len(scores) == len(series)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_a_planted_spike_scores_highest():
    series = seasonal(3000, seed=5)
    t, x = series[2000]
    series[2000] = (t, x + 40.0)
    scores = AnomalyDetector()(series)
    assert max(range(len(scores)), key=scores.__getitem__) == 2000
    assert scores[2000] > 0.6
    assert max(scores[:2000]) < scores[2000]


def test_a_level_shift_is_found_where_it_starts():
    series = seasonal(3000, seed=6)
    series = [(t, x + (30.0 if i >= 2000 else 0.0)) for i, (t, x) in enumerate(series)]
    scores = AnomalyDetector()(series)
    near = max(scores[2000:2010])
    assert near > 0.6
    assert near > max(scores[:2000])
    assert near > max(scores[2010:])


def test_a_missing_daily_cycle_is_found_on_most_seeds():
    """One day without its daily swing (values stay in the usual range) outscores the
    preceding normal days: the time-of-day statistics, raw and sustained."""
    day = 86400 // STEP
    found = 0
    for seed in range(6):
        rng = random.Random(seed)
        series = []
        for i in range(3000):
            amp = 0.0 if 7 * day <= i < 8 * day else 10.0
            x = 50.0 + amp * math.sin(2 * math.pi * i / day) + rng.gauss(0, 1.0)
            series.append((START + i * STEP, x))
        scores = AnomalyDetector()(series)
        found += max(scores[7 * day : 8 * day]) > max(scores[1000 : 7 * day])
    assert found >= 5


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_a_level_shift_smaller_than_past_spikes_is_found(seed):
    """Spikes of +40 set the records of the point statistics; a lasting +15 shift still
    stands out, through the running medians, which ignore the spikes."""
    series = seasonal(3000, seed=seed)
    for i in (500, 900, 1300):
        series[i] = (series[i][0], series[i][1] + 40.0)
    series = [(t, x + (15.0 if i >= 2000 else 0.0)) for i, (t, x) in enumerate(series)]
    scores = AnomalyDetector()(series)
    assert max(scores[2000:2040]) > max(scores[1400:2000]) + 0.02


@pytest.mark.parametrize("seed", [20, 21, 22])
def test_a_daily_peak_does_not_alarm_every_day(seed):
    """A burst at the same time every day is news on the first day only: records are held
    for a day, so the next days' bursts do not break a record that faded overnight."""
    day = 86400 // STEP
    series = seasonal(3000, seed=seed)
    series = [(t, x + (20.0 if i % day == 100 else 0.0)) for i, (t, x) in enumerate(series)]
    scores = AnomalyDetector()(series)
    later = [scores[100 + d * day] for d in range(3, 10)]
    assert scores[100] > 0.7
    assert max(later) < 0.56
    assert sum(later) / len(later) < 0.47


def test_repeats_of_an_alarm_are_damped():
    """The points of a three-point plateau after its first score no more than half it."""
    series = seasonal(3000, seed=30)
    for i in (2000, 2001, 2002):
        series[i] = (series[i][0], series[i][1] + 40.0)
    scores = AnomalyDetector()(series)
    assert scores[2000] > 0.8
    assert scores[2001] <= scores[2000] / 2 and scores[2002] <= scores[2000] / 2


def test_a_clean_seasonal_series_stays_low():
    scores = AnomalyDetector()(seasonal(4000, seed=7))
    after_warmup = scores[600:]
    # Noise sets a new record now and then (a score just above 0.5); nothing stands out.
    assert max(after_warmup) < 0.6
    assert sum(s > 0.55 for s in after_warmup) <= 3


def test_a_constant_series_scores_zero():
    assert set(AnomalyDetector()([(START + i, 7.0) for i in range(500)])) == {0.0}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused_and_leave_the_state_alone(bad):
    series = seasonal(300, seed=8)
    det = AnomalyDetector()
    clean = AnomalyDetector()
    for t, x in series[:200]:
        det.update(t, x)
        clean.update(t, x)
    with pytest.raises(ValueError, match="value must be finite"):
        det.update(series[200][0], bad)
    assert [det.update(t, x) for t, x in series[200:]] == [
        clean.update(t, x) for t, x in series[200:]
    ]


def test_out_of_order_timestamps_are_refused_and_repeats_are_scored():
    det = AnomalyDetector()
    det.update(START + 10, 1.0)
    det.update(START + 10, 2.0)  # a repeated timestamp is the next point
    with pytest.raises(ValueError, match="before the previous point"):
        det.update(START + 5, 1.0)
    with pytest.raises(ValueError, match="before the previous point"):
        det.update(datetime.fromtimestamp(START, UTC) - timedelta(days=1), 1.0)
    assert det.count == 2


@pytest.mark.parametrize(
    ("timestamp", "value", "error", "words"),
    [
        (START, "3.5", TypeError, "value must be a real number"),
        (START, None, TypeError, "value must be a real number"),
        (START, True, TypeError, "value must be a real number"),
        ("2024-01-01", 1.0, TypeError, "timestamp must be a datetime or epoch seconds"),
        (math.nan, 1.0, ValueError, "timestamp must be finite"),
    ],
)
def test_wrong_types_are_named(timestamp, value, error, words):
    with pytest.raises(error, match=words):
        AnomalyDetector().update(timestamp, value)


def test_a_batch_names_the_bad_point():
    series = [(START + i, float(i)) for i in range(10)]
    series[6] = (START + 6, math.nan)
    with pytest.raises(ValueError, match=r"series\[6\]"):
        AnomalyDetector()(series)
    with pytest.raises(TypeError, match=r"series\[0\] must be a \(timestamp, value\) pair"):
        AnomalyDetector()([1.0, 2.0])  # type: ignore[list-item]


def test_numpy_scalars_are_accepted():
    np = pytest.importorskip("numpy")
    det = AnomalyDetector()
    assert det.update(np.int64(START), np.float32(1.5)) == 0.0


ROOT = Path(__file__).resolve().parents[3]


def test_the_nab_scorer_on_a_toy_corpus():
    sys.path.insert(0, str(ROOT))
    from benchmarks.intelligence.nabscore import Series, sweep

    stamps = [datetime(2024, 1, 1) + timedelta(minutes=5 * i) for i in range(1000)]
    values = [0.0] * 1000
    toy = [Series("toy", stamps, values, [(400, 449)])]
    perfect = [0.0] * 1000
    perfect[400] = 1.0
    assert sweep(toy, [perfect]).score == pytest.approx(100.0)
    assert sweep(toy, [[0.0] * 1000]).score == pytest.approx(0.0)
    late = [0.0] * 1000
    late[449] = 1.0  # the window's last point earns almost nothing, but avoids the miss
    assert 50.0 < sweep(toy, [late]).score < 55.0
    noisy = list(perfect)
    noisy[900] = 1.0  # one false positive far from the window costs A_FP = 0.11
    assert sweep(toy, [noisy]).score == pytest.approx(100.0 * (2 - 0.11) / 2)
    probation = [0.0] * 1000
    probation[10] = 1.0  # detections in the first 15% are not scored
    assert sweep(toy, [probation]).score == pytest.approx(0.0)


def test_the_nab_scorer_at_a_fixed_threshold_and_on_held_out_halves():
    sys.path.insert(0, str(ROOT))
    from benchmarks.intelligence.nabscore import Series, held_out, score_at, sweep

    stamps = [datetime(2024, 1, 1) + timedelta(minutes=5 * i) for i in range(1000)]
    corpus, scores = [], []
    for k in range(6):
        rng = random.Random(k)
        s = [rng.random() * 0.5 for _ in range(1000)]
        s[400 + k] = 0.9
        corpus.append(Series(f"toy{k}", stamps, [0.0] * 1000, [(400, 449)]))
        scores.append(s)
    best = sweep(corpus, scores)
    assert score_at(corpus, scores, best.threshold) == pytest.approx(best.score)
    assert score_at(corpus, scores, 0.95) == pytest.approx(0.0)  # nothing detected
    assert held_out(corpus, scores) == pytest.approx(best.score)  # the same cut everywhere
