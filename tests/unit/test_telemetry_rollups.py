"""The latency sketch and rollups: mergeable, accurate to a bucket, checked input."""

import datetime as dt
import random

import pytest

import podium
from podium.patterns import insight, telemetry


def exact(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(q * len(ordered)) - 1)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sketch_quantiles_are_within_a_bucket_of_the_exact_ones(seed: int):
    rng = random.Random(seed)
    values = [rng.lognormvariate(-3, 1) for _ in range(5000)]
    sketch = telemetry.Sketch()
    for v in values:
        sketch.add(v)
    for q in (0.5, 0.95):
        estimate = sketch.quantile(q)
        assert estimate is not None
        assert abs(estimate / exact(values, q) - 1) < 0.2


def test_merged_sketches_equal_one_sketch_of_everything_and_survive_json():
    rng = random.Random(5)
    values = [rng.expovariate(10) for _ in range(3000)]
    whole, parts = telemetry.Sketch(), [telemetry.Sketch() for _ in range(3)]
    for i, v in enumerate(values):
        whole.add(v)
        parts[i % 3].add(v)
    merged = telemetry.Sketch()
    for part in parts:
        merged.merge(telemetry.Sketch.loads(part.dumps()))
    assert merged.counts == whole.counts and merged.n == whole.n
    assert merged.total == pytest.approx(whole.total)
    assert merged.quantile(0.95) == whole.quantile(0.95)
    assert telemetry.Sketch().quantile(0.5) is None
    with pytest.raises(podium.ConfigurationError):
        whole.quantile(1.5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_batch_counts_as_its_latencies_one_by_one(seed: int):
    rng = random.Random(seed)
    bounds = telemetry._BOUNDS
    values = [rng.lognormvariate(-5, 3) for _ in range(2000)]
    values += [bounds[7], bounds[8], bounds[8], 0.0, -0.5, 1e-9, float("inf")]  # edges
    values += [rng.choice(values) for _ in range(200)]  # repeats
    rng.shuffle(values)
    one_by_one, batch = telemetry.Sketch(), telemetry.Sketch()
    for v in values:
        one_by_one.add(v)
    batch.add_many(list(values))
    assert batch.counts == one_by_one.counts and batch.n == one_by_one.n == len(values)
    finite = [v for v in values if v != float("inf")]
    part = telemetry.Sketch()
    part.add_many(finite)
    assert part.total == pytest.approx(sum(v for v in finite if v > 0))  # a negative one is 0
    empty = telemetry.Sketch()
    empty.add_many([])
    assert empty.counts == {} and empty.n == 0 and empty.total == 0.0


def test_rollups_of_processes_merge_by_adding_and_depth_by_max():
    a = telemetry.Rollup(starts=2, completions=1, failures=1, depth=3, wait_sum=1.0, wait_count=2)
    b = telemetry.Rollup(starts=1, retries=1, depth=5, wait_sum=2.0, wait_count=1)
    rows = [a.row("queue:q", 60, "p1"), b.row("queue:q", 60, "p2"), b.row("queue:q", 120, "p2")]
    found = telemetry.merged(rows)
    m = found["queue:q"][60]
    assert (m.starts, m.completions, m.failures, m.retries, m.depth) == (3, 1, 1, 1, 5)
    assert m.wait == pytest.approx(1.0)
    assert found["queue:q"][120].starts == 1


def test_count_series_are_filled_with_zeros_and_latency_ones_are_not():
    minutes = {0: telemetry.Rollup(failures=2), 180: telemetry.Rollup(failures=1)}
    pts = insight.points(minutes, lambda r: float(r.failures), True, 180)
    assert pts == [(0.0, 2.0), (60.0, 0.0), (120.0, 0.0), (180.0, 1.0)]
    assert insight.points(minutes, lambda r: r.latency.quantile(0.95), False, 180) == []


def test_messages_read_like_sentences():
    at = dt.datetime(2024, 1, 1, 14, 2, tzinfo=dt.UTC).timestamp()
    text = insight.describe("step:charge:latency_p95", 2.4, 0.12, at)
    assert text == "step charge: p95 latency 2.4 s, expected about 120 ms, since 14:02 UTC"
    assert "failures per minute 9" in insight.describe("workflow:pay:failures", 9, 0, at)


def test_bad_settings_are_refused_clearly():
    app = podium.App("t", database_url="sqlite:///:memory:")
    with pytest.raises(podium.ConfigurationError, match="flush_interval"):
        app.telemetry(flush_interval=0)
    with pytest.raises(podium.ConfigurationError, match="min, max"):
        app.telemetry(workers={"q": (3, 1)})
    with pytest.raises(podium.ConfigurationError, match="limit"):
        app.anomalies(limit=0)
    with pytest.raises(podium.ConfigurationError, match="aware"):
        app.anomalies(since=dt.datetime(2024, 1, 1))
    app.close()


def test_noted_attempts_and_runs_are_counted_once_at_a_drain_even_from_many_threads(
    tmp_path,
):
    """Hooks only note; `drain` counts. Notes made while another thread drains are not lost."""
    import threading

    app = podium.App("t", database_url=f"sqlite:///{tmp_path / 't.db'}")
    collector = telemetry.Collector(app.runtime, telemetry.TelemetrySettings())
    per_thread, threads = 3 * telemetry.DRAIN_AT, 4  # each thread passes DRAIN_AT: drains inline
    minute = 1_800_000_000.0

    def note(k: int) -> None:
        for i in range(per_thread):
            latency = 0.001 if i % 2 else 0.1
            collector.attempt_ran(
                f"wf{k}", "charge", 1 + i % 3 // 2, minute, minute + latency, i % 5 != 0
            )

    stop = threading.Event()

    def drain_often() -> None:
        while not stop.is_set():
            collector.drain()

    drainer = threading.Thread(target=drain_often)
    drainer.start()
    workers = [threading.Thread(target=note, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    drainer.join()
    collector.drain()
    r = collector._minutes[int(minute // 60) * 60]["step:charge"]
    total = per_thread * threads
    assert r.starts == r.latency.n == total
    failed = sum(1 for i in range(per_thread) if i % 5 == 0) * threads
    assert r.failures == failed and r.completions == total - failed
    assert r.retries == sum(1 for i in range(per_thread) if 1 + i % 3 // 2 > 1) * threads
    assert r.latency.counts == {
        telemetry.Sketch.bucket(0.001): total // 2,
        telemetry.Sketch.bucket(0.1): total // 2,
    }
    assert r.latency.total == pytest.approx((0.001 + 0.1) * total / 2, rel=1e-5)
    app.close()
