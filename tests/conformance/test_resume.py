"""Resume: a failed or cancelled workflow runs again from its first unfinished step."""

import collections

import pytest

import podium


def test_resume_after_fixing_the_cause(app: podium.App):
    calls: collections.Counter[str] = collections.Counter()
    broken = {"yes": True}

    @app.step
    def reserve() -> str:
        calls["reserve"] += 1
        return "r-1"

    @app.step
    def ship(reservation: str) -> str:
        calls["ship"] += 1
        if broken["yes"]:
            raise ConnectionError("warehouse down")
        return f"shipped {reservation}"

    @app.workflow
    def order() -> str:
        return str(ship(reserve()))

    with pytest.raises(podium.WorkflowFailed):
        app.run(order, id="o-1")
    broken["yes"] = False
    handle = app.resume("o-1")
    assert handle.id == "o-1"
    assert handle.status() == "pending"
    with app.worker():
        assert handle.result(timeout=10) == "shipped r-1"
    assert calls == {"reserve": 1, "ship": 2}
    assert [(e.name, e.status) for e in app.store.load_history("o-1")] == [
        ("reserve", "completed"),
        ("ship", "completed"),
    ]
    assert handle.info().error_type is None


def test_resume_restarts_the_retry_budget(app: podium.App):
    calls: list[int] = []
    policy = podium.RetryPolicy(max_attempts=2, initial_delay=0, jitter=False)

    @app.step(retry=policy)
    def flaky() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return len(calls)

    @app.workflow
    def wf() -> int:
        return int(flaky())

    with pytest.raises(podium.WorkflowFailed):
        app.run(wf, id="o-2")
    app.resume("o-2")
    assert app.run(wf, id="o-2") == 3


def test_resume_a_cancelled_workflow(app: podium.App):
    @app.workflow
    def job() -> str:
        return "ran"

    handle = app.start(job, id="o-3")
    handle.cancel()
    app.resume("o-3")
    assert app.run(job, id="o-3") == "ran"


def test_resume_of_a_completed_workflow_is_refused(app: podium.App):
    @app.workflow
    def job() -> int:
        return 1

    app.run(job, id="o-4")
    with pytest.raises(podium.ConfigurationError, match=r"completed.*failed or cancelled"):
        app.resume("o-4")
    assert app.get("o-4").result() == 1


def test_resume_unknown_raises_not_found(app: podium.App):
    with pytest.raises(podium.WorkflowNotFound):
        app.resume("nope")


def test_resume_keeps_every_earlier_attempt_with_its_error(app: podium.App):
    broken = {"times": 2}

    @app.step
    def ship() -> str:
        if broken["times"]:
            broken["times"] -= 1
            raise ConnectionError(f"warehouse down ({broken['times']} left)")
        return "shipped"

    @app.workflow
    def order() -> str:
        return str(ship())

    with pytest.raises(podium.WorkflowFailed):
        app.run(order, id="o-kept")
    app.resume("o-kept")
    with app.worker():
        with pytest.raises(podium.WorkflowFailed):
            app.get("o-kept").result(timeout=10)
        app.resume("o-kept")
        assert app.get("o-kept").result(timeout=10) == "shipped"
    attempts = app.store.load_workflow_attempts("o-kept")
    assert [(a.attempt, a.status, a.error_type) for a in attempts] == [
        (1, "failed", "ConnectionError"),
        (2, "failed", "ConnectionError"),
        (3, "completed", None),
    ]
    assert attempts[0].error_message == "warehouse down (1 left)"
    assert attempts[1].error_message == "warehouse down (0 left)"
    assert all("ConnectionError" in (a.error_traceback or "") for a in attempts[:2])
    assert [a.runs for a in attempts] == [1, 1, 1]
    assert attempts[0].resumed_at == attempts[1].started_at
    assert attempts[2].ended_at is not None and attempts[2].resumed_at is None
    assert all(a.started_at <= (a.ended_at or 0) for a in attempts)


def test_a_cancelled_attempt_is_kept_and_a_second_resume_keeps_nothing(app: podium.App):
    @app.workflow
    def later() -> str:
        return "done"

    handle = app.start(later, id="c-kept", delay=3600)
    handle.cancel()
    app.resume("c-kept")
    assert app.store.resume("c-kept", 0.0) is not None  # pending now: nothing to reopen
    attempts = app.store.load_workflow_attempts("c-kept")
    assert [(a.attempt, a.status, a.error_type) for a in attempts] == [
        (1, "cancelled", "WorkflowCancelled"),
        (2, "pending", None),
    ]
    assert app.store.load_workflow_attempts("no-such-id") == []
