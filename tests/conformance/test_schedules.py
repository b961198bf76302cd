"""Cron schedules and sleep_until on every store: one run per tick across workers, catch-up."""

import datetime as dt
import threading

import pytest

import podium
from podium.clock import FakeClock
from podium.patterns import schedule
from tests.conformance.conftest import AppFactory, Waiter

HOUR = 3600.0
# 2023-11-14 22:00:00 UTC: an exact hour, so "0 * * * *" ticks fall on T0 + k hours.
T0 = 1_699_999_200.0


def build(app_factory: AppFactory, clock: FakeClock, cron="0 * * * *", catchup="latest", **options):
    app = app_factory(clock=clock, **options)

    @app.workflow(schedule=cron, catchup=catchup)
    def report(at: dt.datetime) -> str:
        return at.isoformat()

    app.store  # noqa: B018 - open the store: the schedule is stored now
    return app


def run_ids(app):
    return sorted(info.id for info in app.list(workflow="report", limit=1000))


def tick_id(t):
    return schedule.run_id("report", t)


def test_schedule_is_stored_and_listed(app_factory: AppFactory):
    clock = FakeClock(T0 + 10)
    app = build(app_factory, clock)
    (info,) = app.schedules()
    assert (info.name, info.cron, info.timezone, info.catchup) == (
        "report",
        "0 * * * *",
        "UTC",
        "latest",
    )
    assert info.next_run.timestamp() == T0 + HOUR and not info.paused


@pytest.mark.parametrize(
    ("catchup", "expected"),
    [("all", [1, 2, 3]), ("latest", [3]), ("none", [])],
)
def test_missed_ticks_follow_the_catchup_policy(app_factory: AppFactory, catchup, expected):
    clock = FakeClock(T0 + 10)
    app = build(app_factory, clock, catchup=catchup)
    clock.advance(3 * HOUR + 1800)  # no worker was up for three ticks; now 30 min late
    schedule.Scheduler(app.runtime).run_once()
    assert run_ids(app) == sorted(tick_id(T0 + k * HOUR) for k in expected)
    (info,) = app.schedules()
    assert info.next_run.timestamp() == T0 + 4 * HOUR


def test_catchup_none_still_fires_a_tick_that_is_only_a_little_late(app_factory: AppFactory):
    clock = FakeClock(T0 + 10)
    app = build(app_factory, clock, catchup="none")
    clock.advance(HOUR + 5)
    schedule.Scheduler(app.runtime).run_once()
    assert run_ids(app) == [tick_id(T0 + HOUR)]


def test_racing_schedulers_fire_each_tick_once(app_factory: AppFactory):
    clock = FakeClock(T0 + 10)
    apps = [build(app_factory, clock, catchup="all") for _ in range(4)]
    schedulers = [schedule.Scheduler(app.runtime) for app in apps]
    for _ in range(5):
        clock.advance(HOUR)
        threads = [threading.Thread(target=s.run_once) for s in schedulers for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert run_ids(apps[0]) == sorted(tick_id(T0 + k * HOUR) for k in range(1, 6))


def completed(app: podium.App) -> int:
    return len(app.list(status="completed", workflow="every_ten_seconds"))


def test_workers_run_one_workflow_per_tick(app_factory: AppFactory, wait_until: Waiter):
    clock = FakeClock(T0 + 10)
    ran: list[str] = []
    apps = []
    for _ in range(3):
        app = app_factory(clock=clock)

        @app.step
        def note(at: str) -> None:
            ran.append(at)

        @app.workflow(schedule="* * * * * */10")
        def every_ten_seconds(at: dt.datetime) -> str:
            note(at.isoformat())
            return at.isoformat()

        apps.append(app)
    workers = [app.worker(concurrency=2) for app in apps]
    for w in workers:
        w.start()
    try:
        for k in range(1, 4):
            clock.advance(10)
            # finished before the clock jumps again, so no lease expires under a running step
            wait_until(lambda k=k: completed(apps[0]) == k, what=f"tick {k}")
    finally:
        for w in workers:
            w.stop()
    assert len(ran) == len(set(ran)) == 3
    assert len(apps[0].list(workflow="every_ten_seconds")) == 3


def test_pause_and_resume_skip_the_paused_ticks(app_factory: AppFactory):
    clock = FakeClock(T0 + 10)
    app = build(app_factory, clock, catchup="all")
    scheduler = schedule.Scheduler(app.runtime)
    app.pause_schedule("report")
    clock.advance(2 * HOUR)
    scheduler.run_once()
    assert run_ids(app) == [] and app.schedules()[0].paused
    app.resume_schedule("report")
    (info,) = app.schedules()
    assert not info.paused and info.next_run.timestamp() == T0 + 3 * HOUR
    clock.advance(HOUR)
    scheduler.run_once()
    assert run_ids(app) == [tick_id(T0 + 3 * HOUR)]


def test_unknown_schedule_names_are_refused(app_factory: AppFactory):
    app = build(app_factory, FakeClock(T0))
    with pytest.raises(podium.ConfigurationError, match="no schedule named 'nope'"):
        app.pause_schedule("nope")
    with pytest.raises(podium.ConfigurationError, match="report"):
        app.resume_schedule("nope")


def test_redefining_keeps_progress_unless_the_cron_changes(app_factory: AppFactory):
    clock = FakeClock(T0 + 10)
    build(app_factory, clock)
    clock.advance(HOUR * 2)
    second = build(app_factory, clock)  # same definition: next tick stays where it was
    assert second.schedules()[0].next_run.timestamp() == T0 + HOUR
    third = build(app_factory, clock, cron="30 * * * *")
    assert third.schedules()[0].next_run.timestamp() == T0 + 2 * HOUR + 1800


def test_timezone_reads_the_cron_in_that_zone(app_factory: AppFactory):
    app = app_factory(clock=FakeClock(T0))

    @app.workflow(schedule="0 9 * * *", timezone="Europe/Berlin")
    def morning() -> None:
        return None

    (info,) = app.schedules()
    assert (info.next_run.hour, str(info.next_run.tzinfo)) == (9, "Europe/Berlin")
    assert info.next_run.astimezone(dt.UTC).hour == 8  # CET in November


def test_the_tick_is_the_workflow_argument(app_factory: AppFactory, wait_until: Waiter):
    clock = FakeClock(T0 + 10)
    app = build(app_factory, clock)
    clock.advance(HOUR)
    schedule.Scheduler(app.runtime).run_once()
    with app.worker(concurrency=1):
        result = app.get(tick_id(T0 + HOUR)).result(timeout=10)
    assert result == dt.datetime.fromtimestamp(T0 + HOUR, dt.UTC).isoformat()


def test_sleep_until_waits_for_the_moment(app_factory: AppFactory, wait_until: Waiter):
    clock = FakeClock(T0)
    app = app_factory(clock=clock)

    @app.workflow
    def alarm() -> float:
        podium.sleep_until(dt.datetime.fromtimestamp(T0 + 120, dt.UTC))
        return podium.now().timestamp()

    @app.workflow
    async def async_alarm() -> float:
        await podium.sleep_until(dt.datetime.fromtimestamp(T0 + 120, dt.UTC))
        return podium.now().timestamp()

    with app.worker(concurrency=2):
        handles = [app.start(alarm), app.start(async_alarm)]
        wait_until(lambda: all(h.status() == "waiting" for h in handles), what="both suspended")
        clock.advance(120)
        assert [h.result(timeout=10) for h in handles] == [T0 + 120, T0 + 120]


def test_sleep_until_a_past_moment_returns_at_once(app: podium.App):
    @app.workflow
    def late() -> str:
        podium.sleep_until(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        return "done"

    assert app.run(late) == "done"
