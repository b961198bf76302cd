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
