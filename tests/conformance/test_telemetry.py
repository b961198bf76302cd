"""Telemetry rollups from several processes, anomalies scored once, scaling advice."""

import random
from typing import Any

import pytest

import podium
from podium import errors
from podium.clock import FakeClock
from podium.patterns import insight, telemetry
from podium.store import telemetry as telemetry_store
from tests.conformance.conftest import AppFactory, Waiter

pytest.importorskip("numpy")

START = 1_700_000_040.0  # a minute boundary


def declare(app: podium.App) -> podium.App:
    @app.step
    def inc(x: int) -> int:
        return x + 1

    @app.workflow
    def count(x: int) -> int:
        return inc(inc(x))

    return app


def test_rollups_of_two_processes_add_up_and_flushing_again_changes_nothing(app_factory):
    clock = FakeClock(START)
    apps = [declare(app_factory(clock=clock)) for _ in range(2)]
    for a in apps:
        a.telemetry(flush_interval=1.0)
        for i in range(5):
            assert a.run("count", i) == i + 2
        a.scaling()  # flushes this process's counts
        a.scaling()
    clock.advance(60 + telemetry.ARRIVAL_GRACE)  # the minute is complete: arrivals counted
    apps[1].scaling()
    found = telemetry.rollups(apps[0].store, START - 60, START + 120)
    minute = telemetry.minute_of(START)
    step = found["step:inc"][minute]
    assert (step.starts, step.completions, step.failures, step.latency.n) == (20, 20, 0, 20)
    flow = found["workflow:count"][minute]
    assert (flow.starts, flow.completions) == (10, 10)
    queue = found["queue:default"][minute]
    assert (queue.arrivals, queue.completions, queue.depth) == (10, 10, 0)
    rows = apps[0].store.feature(telemetry_store.TelemetryStore).rollups(minute, minute + 60)
    assert len({r.process for r in rows} - {telemetry.CREATED}) == 2


def test_a_resumed_workflow_is_timed_from_its_resume_and_its_sleeps_still_count(
    app_factory: AppFactory, wait_until: Waiter
) -> None:
    clock = FakeClock(START)
    app = app_factory(clock=clock)
    app.telemetry(flush_interval=1.0, score=False)
    gateway = {"up": False}

    @app.step
    def charge() -> str:
        if not gateway["up"]:
            raise RuntimeError("payment gateway down")
        return "paid"

    @app.workflow
    def checkout() -> str:
        paid = charge()
        podium.sleep(30)  # part of the attempt: counted in its latency
        return paid

    with pytest.raises(podium.WorkflowFailed):
        app.run(checkout, id="order-1")
    clock.advance(10 * 60)  # it lies failed for ten minutes, then a person retries it
    gateway["up"] = True
    app.resume("order-1")
    with app.worker(1):
        wait_until(lambda: app.get("order-1").status() == "waiting", what="the sleep")
        clock.advance(30)
        assert app.get("order-1").result(timeout=10) == "paid"
    app.scaling()  # flushes this process's counts
    found = telemetry.rollups(app.store, START, clock.time() + 60)["workflow:checkout"]
    ended = found[telemetry.minute_of(clock.time())]
    assert ended.completions == 1
    latency = ended.latency.quantile(0.95)
    assert latency is not None and 30 * 0.8 < latency < 30 * 1.2  # not the 630 s since creation


def test_arrivals_are_dated_when_workflows_are_created_and_counted_once(app_factory):
    clock = FakeClock(START)
    apps = [declare(app_factory(clock=clock)) for _ in range(2)]
    apps[0].telemetry(flush_interval=1.0, score=False)
    for i in range(7):
        apps[0].start("count", i)  # created now, run three minutes later
    apps[0].queue("mail")
    clock.advance(3 * 60)
    with apps[0].worker(2):
        for h in apps[0].list(limit=10):
            apps[0].get(h.id).result(timeout=10)
    for a in apps:
        a.scaling()
        a.scaling()
    found = telemetry.rollups(apps[0].store, START - 60, START + 5 * 60)["queue:default"]
    arrivals = {m: r.arrivals for m, r in found.items() if r.arrivals}
    assert arrivals == {telemetry.minute_of(START): 7}


def steady_then_slow(book: telemetry_store.TelemetryStore, minutes: int, slow_from: int) -> None:
    """A step whose p95 latency is about 120 ms, then 2.4 s from minute `slow_from`."""
    rng = random.Random(7)
    rows = []
    for k in range(minutes):
        sketch = telemetry.Sketch()
        for _ in range(50):
            base = 2.4 if k >= slow_from else 0.1
            sketch.add(base * rng.uniform(0.8, 1.25))
        rollup = telemetry.Rollup(starts=50, completions=50, latency=sketch)
        rows.append(rollup.row("step:charge", int(START) + 60 * k, "p1"))
    book.put(rows, START)


def test_an_anomaly_is_scored_once_stored_and_published(app_factory):
    app = app_factory()
    seen: list[dict[str, Any]] = []

    @app.workflow(on_event=insight.TOPIC)
    def react(event):
        seen.append(event)

    book = app.store.feature(telemetry_store.TelemetryStore)
    steady_then_slow(book, 101, slow_from=100)
    slow_minute = START + 100 * 60
    now = slow_minute + 60 + 30
    scorers = [insight.Scorer(app.runtime, grace=15.0) for _ in range(2)]
    book.mark(insight.MARK, int(slow_minute) - 60)
    found = scorers[0].run_once(now)
    assert scorers[1].run_once(now) == []  # one process scores each minute
    assert [a.series for a in found] == ["step:charge:latency_p95"]
    anomaly = app.anomalies()[0]
    assert anomaly.series == "step:charge:latency_p95"
    assert anomaly.at.timestamp() == slow_minute and anomaly.at.tzinfo is not None
    assert anomaly.value > 2.0 and 0.08 < anomaly.expected < 0.16
    assert "step charge: p95 latency" in anomaly.message and "expected about" in anomaly.message
    assert app.anomalies(since=slow_minute + 1) == []
    with app.worker():
        for _ in range(200):
            if seen:
                break
            app.runtime.clock.sleep(0.02)
    assert seen and seen[0]["series"] == "step:charge:latency_p95"


def test_a_steady_series_raises_no_anomaly(app_factory):
    app = app_factory()
    book = app.store.feature(telemetry_store.TelemetryStore)
    steady_then_slow(book, 121, slow_from=10_000)
    book.mark(insight.MARK, int(START))
    found = insight.Scorer(app.runtime, grace=15.0).run_once(START + 121 * 60 + 30)
    assert found == []


def queue_load(book: telemetry_store.TelemetryStore, per_minute: list[int], service: float) -> None:
    rows = []
    for k, n in enumerate(per_minute):
        sketch = telemetry.Sketch()
        for _ in range(n):
            sketch.add(service)
        rollup = telemetry.Rollup(arrivals=n, completions=n, depth=0, latency=sketch)
        rows.append(rollup.row("queue:default", int(START) + 60 * k, "p1"))
    book.put(rows, START)


def test_scaling_follows_littles_law_within_bounds_and_does_not_flap(app_factory):
    app = app_factory()
    book = app.store.feature(telemetry_store.TelemetryStore)
    queue_load(book, [600] * 30, service=0.5)
    now = START + 30 * 60 + 5
    advice = insight.advise(app.runtime, ["default", "idle"], {}, now)["default"]
    # 10 arrivals/s x 0.5 s keeps 5 busy; Erlang-C for at most 5% waiting over 10 s makes 6,
    # the forecast's band over a steady load adds little
    assert 6 <= advice.desired_workers <= 8
    assert advice.forecast.horizon_s == 120.0  # a worker asked for now serves in a minute
    assert advice.forecast.arrivals_per_s == pytest.approx(10.0)
    assert advice.service_time_s == pytest.approx(0.5, rel=0.2)
    idle = insight.advise(app.runtime, ["idle"], {"idle": (2, 4)}, now)["idle"]
    assert idle.desired_workers == 2
    capped = insight.advise(app.runtime, ["default"], {"default": (1, 3)}, now)["default"]
    assert capped.desired_workers == 3
    first = insight.advise(app.runtime, ["default"], {}, now)["default"].desired_workers
    queue_load(book, [600] * 29 + [560], service=0.5)
    again = insight.advise(app.runtime, ["default"], {}, now)["default"]
    assert again.desired_workers == first  # a small dip holds (hysteresis)


def test_the_advice_lets_workers_go_once_the_minutes_until_a_start_no_longer_need_them(
    app_factory,
):
    app = app_factory()
    book = app.store.feature(telemetry_store.TelemetryStore)
    queue_load(book, [1200] * 30, service=0.5)  # 20/s of 0.5 s: 10 busy workers
    busy = insight.advise(app.runtime, ["default"], {}, START + 30 * 60 + 5)["default"]
    assert busy.desired_workers >= 11
    queue_load(book, [1200] * 30 + [120] * 30, service=0.5)  # then 2/s for half an hour
    quiet = insight.advise(app.runtime, ["default"], {}, START + 60 * 60 + 5)["default"]
    assert quiet.desired_workers <= 3  # no higher band keeps the idle workers
    assert "holding" not in quiet.reason


def test_the_rate_band_leaves_out_the_poisson_scatter_erlang_c_models():
    # a count band of 600 +- its Poisson spread alone is no uncertainty about the rate
    z = 0.6744897501960817  # the normal 75% quantile
    assert insight.rate_band(600.0, 600.0 + z * 600**0.5, 0.75) == pytest.approx(600.0)
    wider = insight.rate_band(600.0, 660.0, 0.75)
    assert 600.0 < wider < 660.0
    assert insight.rate_band(600.0, 540.0, 0.25) == pytest.approx(1200.0 - wider)
    assert insight.rate_band(600.0, 600.0, 0.5) == 600.0  # the median is the median
    assert insight.rate_band(-5.0, 10.0, 0.75) >= 0.0


def test_app_scaling_has_advice_for_every_served_queue(app_factory):
    app = declare(app_factory())
    app.queue("mail")
    app.telemetry(workers={"mail": (2, 5)})
    advice = app.scaling()
    assert set(advice) == {"default", "mail"}
    assert advice["mail"].desired_workers == 2 and advice["default"].desired_workers == 1


def test_the_advice_forecasts_to_the_workers_start_up(app_factory):
    app = declare(app_factory())
    app.telemetry(worker_startup=180.0)
    assert app.scaling()["default"].forecast.horizon_s == 240.0
    with pytest.raises(errors.ConfigurationError, match="worker_startup=-1"):
        app.telemetry(worker_startup=-1)


def test_the_wait_target_sizes_the_advice_by_erlang_c(app_factory):
    app = app_factory()
    book = app.store.feature(telemetry_store.TelemetryStore)
    queue_load(book, [120] * 30, service=10.0)  # 2/s of 10 s each: 20 busy workers
    now = START + 30 * 60 + 5
    patient = insight.advise(app.runtime, ["default"], {}, now, wait_target=600.0)["default"]
    strict = insight.advise(app.runtime, ["default"], {}, now, wait_target=0.0)["default"]
    assert 21 <= patient.desired_workers < strict.desired_workers
    assert "Erlang-C" in strict.reason
    # the same rule sizes a measured rate and a backlog: 120 items of 0.5 s in a minute
    assert insight.workers_for(10.0, 0.5, 120, 10.0) == insight.workers_for(10.0, 0.5, 0, 10.0) + 1


def test_app_telemetry_checks_the_wait_target(app_factory):
    app = declare(app_factory())
    app.telemetry(wait_target=2.5)
    assert app.scaling()["default"].desired_workers == 1
    bad: object
    for bad in (-1, "10", True, float("nan")):
        with pytest.raises(errors.ConfigurationError, match="wait_target"):
            app.telemetry(wait_target=bad)  # type: ignore[arg-type]
