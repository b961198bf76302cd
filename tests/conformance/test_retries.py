"""Step retries: opted into per step, per workflow or per app; failed attempts are recorded."""

import pytest

import podium

from .conftest import AppFactory

QUICK = podium.RetryPolicy(max_attempts=3, initial_delay=0.01, backoff=1.0, jitter=False)


class Flaky:
    """A callable that fails `failures` times with ConnectionError, then returns 'ok'."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"attempt {self.calls} failed")
        return "ok"


def test_flaky_step_succeeds_on_attempt_three(app: podium.App):
    flaky = Flaky(failures=2)
    fetch = app.step(name="fetch", retry=QUICK)(flaky)

    @app.workflow
    def wf() -> str:
        return str(fetch())

    assert app.run(wf, id="r1") == "ok"
    assert flaky.calls == 3
    attempts = app.store.load_attempts("r1")
    assert [(a.seq, a.attempt, a.name, a.error_type) for a in attempts] == [
        (0, 1, "fetch", "ConnectionError"),
        (0, 2, "fetch", "ConnectionError"),
    ]
    assert [a.error_message for a in attempts] == ["attempt 1 failed", "attempt 2 failed"]
    assert all(a.retry_at is not None and a.retry_at >= a.finished_at for a in attempts)
    [event] = app.store.load_history("r1")
    assert (event.status, event.attempt) == ("completed", 3)


def test_exhausted_retries_fail_the_workflow(app: podium.App):
    flaky = Flaky(failures=10)
    fetch = app.step(name="fetch", retry=QUICK)(flaky)

    @app.workflow
    def wf() -> str:
        return str(fetch())

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(wf, id="r2")
    assert caught.value.error_type == "ConnectionError"
    assert caught.value.message == "attempt 3 failed"
    assert flaky.calls == 3
    assert [a.attempt for a in app.store.load_attempts("r2")] == [1, 2]
    [event] = app.store.load_history("r2")
    assert (event.status, event.attempt) == ("failed", 3)


def test_non_retryable_fails_at_once(app: podium.App):
    calls: list[int] = []
    policy = podium.RetryPolicy(max_attempts=5, initial_delay=0.01, non_retryable=(ValueError,))

    @app.step(retry=policy)
    def validate() -> None:
        calls.append(1)
        raise ValueError("bad order")

    @app.workflow
    def wf() -> None:
        validate()

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(wf, id="r3")
    assert caught.value.error_type == "ValueError"
    assert calls == [1]
    assert app.store.load_attempts("r3") == []


def test_no_retry_by_default(app: podium.App):
    flaky = Flaky(failures=1)
    fetch = app.step(name="fetch")(flaky)

    @app.workflow
    def wf() -> str:
        return str(fetch())

    with pytest.raises(podium.WorkflowFailed):
        app.run(wf, id="r4")
    assert flaky.calls == 1
    assert app.store.load_attempts("r4") == []


def test_workflow_retry_applies_to_its_steps(app: podium.App):
    flaky = Flaky(failures=2)
    fetch = app.step(name="fetch")(flaky)

    @app.workflow(retry=QUICK)
    def wf() -> str:
        return str(fetch())

    assert app.run(wf, id="r5") == "ok"
    assert flaky.calls == 3


def test_app_default_retry_applies(app_factory: AppFactory):
    app = app_factory(default_retry=QUICK)
    flaky = Flaky(failures=2)
    fetch = app.step(name="fetch")(flaky)

    @app.workflow
    def wf() -> str:
        return str(fetch())

    assert app.run(wf) == "ok"
    assert flaky.calls == 3


def test_step_policy_wins_over_workflow_and_app(app_factory: AppFactory):
    app = app_factory(default_retry=QUICK)
    flaky = Flaky(failures=1)
    once = podium.RetryPolicy(max_attempts=1)
    fetch = app.step(name="fetch", retry=once)(flaky)

    @app.workflow(retry=QUICK)
    def wf() -> str:
        return str(fetch())

    with pytest.raises(podium.WorkflowFailed):
        app.run(wf)
    assert flaky.calls == 1


def test_long_retry_wait_unloads_the_workflow(app: podium.App):
    """A wait longer than suspend_grace suspends the run; the next attempt follows a replay."""
    flaky = Flaky(failures=1)
    policy = podium.RetryPolicy(max_attempts=2, initial_delay=0.4, jitter=False)
    fetch = app.step(name="fetch", retry=policy)(flaky)

    @app.workflow
    def wf() -> str:
        return str(fetch())

    assert app.run(wf, id="r6") == "ok"
    assert flaky.calls == 2
    record = app.store.get_workflow("r6")
    assert record is not None and record.runs == 2


def test_async_step_retries(app: podium.App):
    calls: list[int] = []

    @app.step(retry=QUICK)
    async def fetch() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("again")
        return len(calls)

    @app.workflow
    async def wf() -> int:
        return int(await fetch())

    assert app.run(wf, id="r7") == 3
    assert [a.attempt for a in app.store.load_attempts("r7")] == [1, 2]
