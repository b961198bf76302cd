"""TestEnv: a fake clock that runs, starts and workers follow; time skipping in order."""

import itertools
import time

import pytest

import podium
from podium.testing import TestEnv


def make_app() -> podium.App:
    return podium.App("shop")


def test_a_seven_day_sleep_finishes_under_advance_in_well_under_a_second():
    app = make_app()

    @app.workflow
    def remind(name: str) -> str:
        podium.sleep(7 * 86400)
        return f"hello again, {name}"

    began = time.monotonic()
    with TestEnv(app) as env:
        handle = env.start(remind, "ada")
        env.run_until_idle()
        assert handle.status() == "waiting"
        env.advance(days=6, hours=23)
        assert handle.status() == "waiting"
        env.advance(hours=1)
        assert handle.result(timeout=1) == "hello again, ada"
    assert time.monotonic() - began < 1.0


def test_app_run_under_the_env_skips_ahead_to_its_timers():
    app = make_app()

    @app.workflow
    def nap() -> float:
        t0 = podium.now()
        podium.sleep(7 * 86400)
        return (podium.now() - t0).total_seconds()

    with TestEnv(app) as env:
        began = time.monotonic()
        assert env.run(nap) == 7 * 86400
        assert time.monotonic() - began < 1.0


def test_timers_fire_in_order_each_at_its_own_moment():
    app = make_app()
    fired: list[tuple[str, float]] = []

    @app.step
    def note(name: str, at: float) -> None:
        fired.append((name, at))

    @app.workflow
    def wake(name: str, after: float) -> None:
        podium.sleep(after)
        note(name, podium.now().timestamp())

    with TestEnv(app) as env:
        t0 = env.now()
        env.start(wake, "late", 3 * 3600)
        env.start(wake, "early", 3600)
        env.start(wake, "middle", 2 * 3600)
        env.advance(hours=2)
        assert fired == [("early", t0 + 3600), ("middle", t0 + 7200)]
        env.advance(hours=2)
        assert [name for name, _ in fired] == ["early", "middle", "late"]
        assert fired[-1][1] == t0 + 3 * 3600


def test_retries_wait_their_backoff_on_the_fake_clock():
    app = make_app()
    calls: list[float] = []

    @app.step(
        retry=podium.RetryPolicy(max_attempts=4, initial_delay=60.0, max_delay=3600.0, jitter=False)
    )
    def flaky() -> str:
        calls.append(time_now())
        if len(calls) < 4:
            raise ConnectionError("try again")
        return "ok"

    @app.workflow
    def job() -> str:
        return flaky()

    with TestEnv(app) as env:
        time_now = env.now
        handle = env.start(job)
        env.run_until_idle()
        assert len(calls) == 1  # the first retry waits 60 s of fake time
        env.advance(seconds=59)
        assert len(calls) == 1
        env.advance(seconds=1)
        assert len(calls) == 2
        env.advance(minutes=10)
        assert handle.result(timeout=1) == "ok"
        gaps = [b - a for a, b in itertools.pairwise(calls)]
        assert gaps == [60.0, 120.0, 240.0]


def test_schedules_fire_under_advance():
    pytest.importorskip("croniter")
    app = make_app()
    ticks: list[str] = []

    @app.workflow(schedule="0 * * * *")
    def hourly(at) -> None:
        ticks.append(at.isoformat())

    with TestEnv(app) as env:
        env.advance(hours=3)
        assert len(ticks) == 3


def test_workers_follow_the_fake_clock():
    app = make_app()

    @app.workflow
    def remind() -> str:
        podium.sleep(86400)
        return "done"

    with TestEnv(app) as env:
        handle = env.start(remind)
        with app.worker(concurrency=2):
            deadline = time.monotonic() + 5
            while handle.status() != "waiting" and time.monotonic() < deadline:
                time.sleep(0.005)
            assert handle.status() == "waiting"
            env.advance(days=1)
            assert handle.result(timeout=5) == "done"


def test_the_env_gives_the_app_back_its_own_store():
    app = podium.App("mine", database_url="sqlite:///:memory:")

    @app.workflow
    def hello() -> str:
        return "hi"

    assert app.run(hello, id="outside") == "hi"
    with TestEnv(app) as env:
        assert app.list() == []
        assert env.run(hello) == "hi"
    assert [w.id for w in app.list()] == ["outside"]
    app.close()
