"""Cron schedule specs: validation, tick planning per catch-up policy, ids, sleep_until."""

import datetime as dt
import sys

import pytest

import podium
from podium import context
from podium.patterns import schedule

HOUR = 3600.0
T0 = 1_699_999_200.0  # 2023-11-14 22:00:00 UTC, an exact hour


def test_bad_cron_timezone_and_catchup_are_refused():
    with pytest.raises(podium.ConfigurationError, match="not a cron expression"):
        schedule.Schedule("every day")
    with pytest.raises(podium.ConfigurationError, match="IANA timezone"):
        schedule.Schedule("0 * * * *", timezone="Mars/Olympus")
    with pytest.raises(podium.ConfigurationError, match="catchup="):
        schedule.Schedule("0 * * * *", catchup="some")


def test_missing_croniter_names_the_extra(monkeypatch):
    schedule._croniter.cache_clear()
    monkeypatch.setitem(sys.modules, "croniter", None)
    try:
        with pytest.raises(podium.ConfigurationError, match=r"podium\[schedule\]"):
            schedule.Schedule("0 * * * *")
    finally:
        schedule._croniter.cache_clear()


def test_next_after_is_strictly_after():
    spec = schedule.Schedule("0 * * * *")
    assert spec.next_after(T0) == T0 + HOUR
    assert spec.next_after(T0 - 1) == T0
    assert spec.latest_until(T0) == T0
    assert spec.latest_until(T0 + 10) == T0


def test_sixth_field_is_seconds():
    spec = schedule.Schedule("* * * * * */15")
    assert spec.next_after(T0) == T0 + 15


def test_plan_per_policy():
    late = T0 + 3 * HOUR + 1800  # ticks T0+1h..T0+3h were missed
    assert schedule.Schedule("0 * * * *", catchup="all").plan(T0 + HOUR, late) == (
        [T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR],
        T0 + 4 * HOUR,
    )
    assert schedule.Schedule("0 * * * *").plan(T0 + HOUR, late) == ([T0 + 3 * HOUR], T0 + 4 * HOUR)
    none = schedule.Schedule("0 * * * *", catchup="none")
    assert none.plan(T0 + HOUR, late) == ([], T0 + 4 * HOUR)
    assert none.plan(T0 + HOUR, T0 + HOUR + 5) == ([T0 + HOUR], T0 + 2 * HOUR)


def test_catchup_all_is_bounded_per_pass():
    spec = schedule.Schedule("* * * * * *", catchup="all")
    ticks, following = spec.plan(T0, T0 + 5000)
    assert len(ticks) == schedule.MAX_CATCHUP
    assert following == ticks[-1] + 1  # the next pass goes on from there


def test_daylight_saving_time_in_the_schedule_zone():
    spec = schedule.Schedule("30 2 * * *", timezone="Europe/Berlin")
    before = dt.datetime(2024, 3, 30, 12, 0, tzinfo=dt.UTC).timestamp()
    first = spec.describe_tick(spec.next_after(before))
    second = spec.describe_tick(spec.next_after(first.timestamp()))
    assert (first.day, first.hour, first.minute) == (31, 3, 0)  # 02:30 does not exist that night
    assert (second.day, second.hour, second.minute) == (1, 2, 30)


def test_run_id_is_the_tick_in_utc():
    assert schedule.run_id("nightly", T0) == "nightly@2023-11-14T22:00:00+00:00"


def test_scheduled_workflows_take_no_argument_or_the_tick():
    app = podium.App("unit", database_url="sqlite:///:memory:")
    with pytest.raises(podium.ConfigurationError, match="no argument or one"):

        @app.workflow(schedule="0 * * * *")
        def two(a: int, b: int) -> None: ...

    @app.workflow(schedule="0 * * * *")
    def none() -> None: ...

    @app.workflow(schedule="0 * * * *")
    def one(at: dt.datetime) -> None: ...

    assert set(app._schedules) == {"none", "one"}


def test_sleep_until_needs_an_aware_datetime():
    with pytest.raises(podium.ConfigurationError, match="timezone-aware"):
        podium.sleep_until(dt.datetime(2030, 1, 1))
    with pytest.raises(podium.ConfigurationError, match="timezone-aware"):
        podium.sleep_until(5)  # type: ignore[arg-type]


def test_sleep_until_outside_a_workflow_is_refused():
    with pytest.raises(podium.PodiumError, match="outside a workflow"):
        podium.sleep_until(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))


def test_wait_deadlines_accept_seconds_timedeltas_and_datetimes():
    moment = dt.datetime.fromtimestamp(T0 + 5, dt.UTC)
    assert context.deadline(None, T0) is None
    assert context.deadline(5, T0) == T0 + 5
    assert context.deadline(dt.timedelta(minutes=1), T0) == T0 + 60
    assert context.deadline(moment, T0) == T0 + 5
    with pytest.raises(podium.ConfigurationError):
        context.deadline(-1, T0)
    with pytest.raises(podium.ConfigurationError):
        context.deadline(dt.datetime(2030, 1, 1), T0)
