"""Step timeouts: an attempt past `timeout=` raises StepTimeout and counts as an attempt."""

import asyncio
import threading
from collections.abc import Iterator
from typing import Any, cast

import pytest

import podium


@pytest.fixture
def unblock() -> Iterator[threading.Event]:
    """Set at teardown so abandoned step threads end."""
    event = threading.Event()
    yield event
    event.set()


def test_sync_step_timeout_fails_the_workflow(app: podium.App, unblock: threading.Event):
    @app.step(timeout=0.1)
    def stuck() -> str:
        unblock.wait(10)
        return "late"

    @app.workflow
    def wf() -> str:
        return str(stuck())

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(wf, id="t1")
    assert caught.value.error_type == "StepTimeout"
    assert "'stuck'" in caught.value.message and "timeout" in caught.value.message
    [event] = app.store.load_history("t1")
    assert (event.name, event.status, event.attempt) == ("stuck", "failed", 1)


def test_timeout_counts_as_an_attempt(app: podium.App, unblock: threading.Event):
    calls: list[int] = []
    policy = podium.RetryPolicy(max_attempts=2, initial_delay=0, jitter=False)

    @app.step(timeout=0.1, retry=policy)
    def slow_once() -> int:
        calls.append(1)
        if len(calls) == 1:
            unblock.wait(10)
        return len(calls)

    @app.workflow
    def wf() -> int:
        return int(slow_once())

    assert app.run(wf, id="t2") == 2
    [attempt] = app.store.load_attempts("t2")
    assert (attempt.attempt, attempt.error_type) == (1, "StepTimeout")


@pytest.mark.parametrize("workflow_async", [False, True], ids=["def-wf", "async-wf"])
def test_async_step_timeout(app: podium.App, workflow_async: bool):
    @app.step(timeout=0.1)
    async def hang() -> None:
        await asyncio.sleep(10)

    async def flow() -> None:
        await hang()

    def flow_sync() -> None:
        # In a def workflow an async step returns its value (the engine awaits it).
        cast(Any, hang)()

    wf: Any = app.workflow(name="wf")(flow if workflow_async else flow_sync)
    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(wf)
    assert caught.value.error_type == "StepTimeout"


def test_step_timeout_is_validated(app: podium.App):
    with pytest.raises(podium.ConfigurationError, match="timeout"):

        @app.step(timeout=0)
        def never() -> None: ...
