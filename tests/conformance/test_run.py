"""`app.run`: start and execute in this process, for every mix of sync and async code."""

import asyncio
import inspect
from typing import Any

import pytest

import podium

from .conftest import AppFactory


def register_double(app: podium.App, is_async: bool) -> Any:
    """A step `double`, as `def` or `async def`."""

    async def double_async(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    def double_sync(x: int) -> int:
        return 2 * x

    return app.step(name="double")(double_async if is_async else double_sync)


def register_compute(app: podium.App, is_async: bool, double: Any) -> Any:
    """A workflow `compute` calling `double`, as `def` or `async def`."""

    async def compute_async(x: int, *, plus: int) -> int:
        value = double(x)
        if inspect.isawaitable(value):  # an async step is awaited in an async workflow
            value = await value
        return int(value) + plus

    def compute_sync(x: int, *, plus: int) -> int:
        return int(double(x)) + plus

    return app.workflow(name="compute")(compute_async if is_async else compute_sync)


@pytest.mark.parametrize("workflow_async", [False, True], ids=["def-wf", "async-wf"])
@pytest.mark.parametrize("step_async", [False, True], ids=["def-step", "async-step"])
def test_run_returns_the_result(app: podium.App, workflow_async: bool, step_async: bool):
    compute = register_compute(app, workflow_async, register_double(app, step_async))
    assert app.run(compute, 20, plus=2) == 42
    [info] = app.list()
    assert info.status == "completed"
    assert info.workflow == "compute"
    [event] = app.store.load_history(info.id)
    assert (event.kind, event.name, event.status) == ("step", "double", "completed")


def test_run_of_a_finished_id_returns_the_stored_result(app: podium.App):
    calls: list[int] = []

    @app.workflow
    def once(x: int) -> int:
        calls.append(x)
        return x + 1

    assert app.run(once, 1, id="same") == 2
    assert app.run(once, 1, id="same") == 2
    assert calls == [1]


def test_run_by_name(app: podium.App):
    @app.workflow(name="greeter")
    def greet(name: str) -> str:
        return f"hello {name}"

    assert app.run("greeter", "ada") == "hello ada"


def test_run_raises_workflow_failed(app: podium.App):
    @app.workflow
    def broken() -> None:
        raise KeyError("missing")

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(broken, id="broken-1")
    assert caught.value.error_type == "KeyError"
    assert caught.value.workflow_id == "broken-1"


def test_unregistered_workflow_is_refused(app_factory: AppFactory):
    one, other = app_factory("one"), app_factory("other")

    @other.workflow
    def elsewhere() -> None: ...

    with pytest.raises(podium.ConfigurationError, match="not registered"):
        one.run(elsewhere)
    with pytest.raises(podium.ConfigurationError, match="no workflow named 'nope'"):
        one.run("nope")
    assert one.list() == []


def test_step_outside_a_workflow_is_a_plain_call_with_retries(app: podium.App):
    failures = [RuntimeError("once")]

    @app.step(retry=podium.RetryPolicy(max_attempts=2, initial_delay=0, jitter=False))
    def shaky(x: int) -> int:
        if failures:
            raise failures.pop()
        return x

    assert shaky(5) == 5
    assert app.list() == []
