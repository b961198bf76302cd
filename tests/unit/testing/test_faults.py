"""Fault points and store faults: the run dies at a step, another resumes; faults are survived."""

import collections

import pytest

import podium
from podium.testing import TestEnv, WorkerCrash


def shop() -> tuple[podium.App, collections.Counter[str]]:
    app = podium.App("shop")
    effects: collections.Counter[str] = collections.Counter()

    @app.step
    def charge(order: int) -> str:
        effects[f"charge:{order}"] += 1
        return f"paid-{order}"

    @app.step
    def ship(order: int) -> str:
        effects[f"ship:{order}"] += 1
        return f"shipped-{order}"

    @app.workflow
    def checkout(order: int) -> list[str]:
        return [charge(order), ship(order)]

    return app, effects


@pytest.mark.parametrize(("when", "ship_runs"), [("before", 1), ("after", 2)])
def test_crash_at_a_step_abandons_the_run_and_another_resumes(when, ship_runs, caplog):
    app, effects = shop()
    with TestEnv(app) as env:
        env.crash_at("checkout", step="ship", when=when)
        handle = env.start("checkout", 7)
        crashed_at = env.now()
        env.run_until_idle()
        assert handle.result(timeout=1) == ["paid-7", "shipped-7"]
        # the dead run's lease had to expire on the fake clock before the takeover
        assert env.now() >= crashed_at + app.settings.lease_seconds
        history = app.store.load_history(handle.id)
        record = app.store.get_workflow(handle.id)
    assert record is not None and record.runs == 2
    assert [(e.seq, e.name, e.status) for e in history] == [
        (0, "charge", "completed"),
        (1, "ship", "completed"),
    ]  # each step result committed exactly once
    assert effects["charge:7"] == 1  # replayed on resume, not run again
    assert effects["ship:7"] == ship_runs  # the effect ran at most twice
    assert "took over from an expired lease" in caplog.text


def test_crash_at_applies_to_each_workflow_instance_once_and_app_run_recovers():
    app, effects = shop()
    with TestEnv(app) as env:
        env.crash_at("checkout", step="charge", when="after")
        assert env.run("checkout", 1) == ["paid-1", "shipped-1"]
        assert env.run("checkout", 2) == ["paid-2", "shipped-2"]
    assert effects == {"charge:1": 2, "ship:1": 1, "charge:2": 2, "ship:2": 1}


def test_crash_at_checks_its_arguments():
    app, _ = shop()
    with TestEnv(app) as env, pytest.raises(podium.ConfigurationError, match="before"):
        env.crash_at("checkout", step="ship", when="during")


def test_worker_crash_is_the_engines_stop_signal():
    assert issubclass(WorkerCrash, BaseException)
    assert not issubclass(WorkerCrash, Exception)  # workflow code's `except Exception` misses it


def test_workflows_complete_despite_transient_store_faults():
    app, effects = shop()
    with TestEnv(app) as env:
        env.fail_store(rate=0.05, seed=42)
        handles = [env.start("checkout", n) for n in range(40)]
        env.run_until_idle()
        assert [h.result(timeout=1) for h in handles] == [
            [f"paid-{n}", f"shipped-{n}"] for n in range(40)
        ]
        assert env.injected_faults > 0
        for h in handles:  # exactly one completed record per position, whatever failed
            events = app.store.load_history(h.id)
            assert [(e.seq, e.status) for e in events] == [(0, "completed"), (1, "completed")]
    assert all(count <= 3 for count in effects.values())


def test_fail_store_checks_its_rate():
    app, _ = shop()
    with TestEnv(app) as env, pytest.raises(ValueError, match="rate"):
        env.fail_store(rate=2.0)
