"""Waits follow a fake clock: app.run skips ahead instead of waiting for a clock nobody moves."""

import time

import podium
from podium.clock import FakeClock


def test_a_seven_day_sleep_under_app_run_with_a_fake_clock_finishes_at_once():
    clock = FakeClock()
    with podium.App("nap", database_url="sqlite:///:memory:", clock=clock) as app:

        @app.workflow
        def nap() -> float:
            t0 = podium.now()
            podium.sleep(7 * 86400)
            return (podium.now() - t0).total_seconds()

        began = time.monotonic()
        assert app.run(nap) == 7 * 86400
        assert time.monotonic() - began < 1.0


def test_result_timeout_counts_real_seconds_under_a_fake_clock():
    clock = FakeClock()
    with podium.App("wait", database_url="sqlite:///:memory:", clock=clock) as app:

        @app.workflow
        def idle() -> None:
            return None

        handle = app.start(idle)  # no worker: it never runs
        began = time.monotonic()
        try:
            handle.result(timeout=0.2)
        except TimeoutError:
            pass
        else:
            raise AssertionError("expected a TimeoutError")
        assert time.monotonic() - began < 2.0
