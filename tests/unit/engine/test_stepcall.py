"""The step call path (podium.engine.stepcall): replay, attempts, retries, refusals, hooks.

Each test runs real workflows with `app.run` on a SQLite file and reads back what the store
recorded, so a bug in the step path shows here by name instead of as a flaky conformance run.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import podium
from podium import context, definitions, errors
from podium.engine import hooks
from podium.store import base

SHORT = 0.3
"""A sleep longer than the suspend grace: the run suspends and the next run replays."""


class Refused(errors.StepRefused):
    """A refusal of the test's own step wrapper."""


@pytest.fixture
def app(tmp_path: Path) -> Iterator[podium.App]:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with podium.App("stepcall", database_url=url, suspend_grace=0.1, poll_interval=0.01) as made:
        yield made


def history(app: podium.App, workflow_id: str) -> list[base.HistoryEvent]:
    return app.store.load_history(workflow_id)


def attempts(app: podium.App, workflow_id: str) -> list[base.Attempt]:
    return app.store.load_attempts(workflow_id)


def test_a_completed_step_is_recorded_once_and_replayed_without_running(app: podium.App):
    calls: list[int] = []

    @app.step
    def double(x: int) -> int:
        calls.append(x)
        return 2 * x

    @app.workflow
    def flow(x: int) -> int:
        total = double(x) + double(x + 1)
        podium.sleep(SHORT)  # suspends; the run after it replays both steps
        return total

    assert app.run(flow, 5, id="w") == 22
    events = history(app, "w")
    assert [(e.seq, e.kind, e.name, e.status, e.payload) for e in events[:2]] == [
        (0, "step", "double", "completed", "10"),
        (1, "step", "double", "completed", "12"),
    ]
    assert app.store.get_workflow("w").runs == 2  # type: ignore[union-attr]
    assert calls == [5, 6]


def test_a_result_that_is_not_a_scalar_comes_back_as_a_fresh_copy(app: podium.App):
    original = {"items": [1, 2]}

    @app.step
    def make() -> dict[str, Any]:
        return original

    @app.workflow
    def flow() -> bool:
        got = make()
        return got == original and got is not original

    assert app.run(flow) is True


def test_retries_record_each_failed_attempt_then_the_success(app: podium.App):
    failures = iter([ConnectionError("down"), ConnectionError("still down")])

    @app.step(retry=podium.RetryPolicy(max_attempts=3, initial_delay=0.0, jitter=False))
    def flaky() -> str:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return "ok"

    @app.workflow
    def flow() -> str:
        return flaky()

    assert app.run(flow, id="w") == "ok"
    tried = attempts(app, "w")
    assert [(a.seq, a.attempt, a.error_type, a.error_message) for a in tried] == [
        (0, 1, "ConnectionError", "down"),
        (0, 2, "ConnectionError", "still down"),
    ]
    assert all(a.retry_at is not None and a.retry_at >= a.finished_at for a in tried)
    (done,) = history(app, "w")
    assert (done.status, done.attempt, done.payload) == ("completed", 3, '"ok"')


def test_the_last_failure_is_recorded_and_replayed_as_the_same_error(app: podium.App):
    runs: list[int] = []

    @app.step(retry=podium.RetryPolicy(max_attempts=2, initial_delay=0.0))
    def broken() -> None:
        runs.append(1)
        raise ValueError("gone")

    @app.workflow
    def flow() -> str:
        try:
            broken()
        except ValueError as exc:
            caught = f"caught {type(exc).__name__} {exc}"
        podium.sleep(SHORT)  # the replay raises the recorded failure again
        return caught

    assert app.run(flow, id="w") == "caught ValueError gone"
    failed = history(app, "w")[0]
    assert (failed.status, failed.attempt) == ("failed", 2)
    assert app.store.get_workflow("w").runs == 2  # type: ignore[union-attr]
    assert len(runs) == 2


def test_a_result_that_cannot_be_stored_fails_without_retrying(app: podium.App):
    runs: list[int] = []

    @app.step(retry=podium.RetryPolicy(max_attempts=5, initial_delay=0.0))
    def unstorable() -> object:
        runs.append(1)
        return object()

    @app.workflow
    def flow() -> object:
        return unstorable()

    with pytest.raises(podium.WorkflowFailed) as raised:
        app.run(flow, id="w")
    assert raised.value.error_type == "SerializationError"
    assert runs == [1]
    assert history(app, "w")[0].status == "failed"


def test_refusals_do_not_use_up_attempts(app: podium.App):
    """A wrapper that refuses (StepRefused) twice, then a step that fails once: 4 attempts."""
    refusals = iter([True, True])
    ran: list[int] = []

    @contextlib.contextmanager
    def gate(call: hooks.StepCall) -> Iterator[None]:
        if next(refusals, False):
            raise Refused("not now")
        yield

    app.runtime.hooks.add_step_wrapper(gate)

    @app.step(retry=podium.RetryPolicy(max_attempts=2, initial_delay=0.0, jitter=False))
    def work() -> str:
        ran.append(1)
        if len(ran) == 1:
            raise ConnectionError("first real try fails")
        return "done"

    @app.workflow
    def flow() -> str:
        return work()

    assert app.run(flow, id="w") == "done"
    assert [a.error_type for a in attempts(app, "w")] == [
        "Refused",
        "Refused",
        "ConnectionError",
    ]
    assert history(app, "w")[0].attempt == 4
    assert len(ran) == 2


def test_step_wrappers_see_every_attempt_with_its_position(app: podium.App):
    seen: list[tuple[str, str, int, int]] = []

    @contextlib.contextmanager
    def record(call: hooks.StepCall) -> Iterator[None]:
        seen.append((call.step.name, call.workflow_id, call.seq, call.attempt))
        yield

    app.runtime.hooks.add_step_wrapper(record)
    failures = iter([ValueError("once")])

    @app.step(retry=podium.RetryPolicy(max_attempts=2, initial_delay=0.0))
    def first() -> int:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return 1

    @app.step
    def second() -> int:
        return 2

    @app.workflow
    def flow() -> int:
        return first() + second()

    assert app.run(flow, id="w") == 3
    assert seen == [("first", "w", 0, 1), ("first", "w", 0, 2), ("second", "w", 1, 1)]


def test_step_listeners_hear_completions_and_replays_but_not_failures(app: podium.App):
    heard: list[tuple[str, Any, tuple[Any, ...]]] = []

    def listen(step: definitions.Step, result: Any, args: tuple[Any, ...], kwargs: Any) -> None:
        heard.append((step.name, result, args))

    app.runtime.hooks.add_step_listener(listen)

    @app.step
    def add(x: int, y: int) -> int:
        return x + y

    @app.step
    def fail() -> None:
        raise RuntimeError("no")

    @app.workflow
    def flow() -> int:
        total = add(1, 2)
        with contextlib.suppress(RuntimeError):
            fail()
        podium.sleep(SHORT)
        return total

    assert app.run(flow) == 3
    assert heard == [("add", 3, (1, 2)), ("add", 3, (1, 2))]  # completed, then replayed


@pytest.mark.parametrize("observers", [1, 2])
def test_step_observers_see_each_attempt_that_ran_and_one_that_raises_is_ignored(
    app: podium.App, observers: int, caplog: pytest.LogCaptureFixture
):
    seen: list[list[tuple[str, str, int, bool]]] = [[] for _ in range(observers)]

    def observer(into: list[tuple[str, str, int, bool]]) -> hooks.StepObserver:
        def observe(wf: str, step: str, attempt: int, started: float, end: float, ok: bool) -> None:
            assert end >= started
            into.append((wf, step, attempt, ok))

        return observe

    def broken(wf: str, step: str, attempt: int, started: float, end: float, ok: bool) -> None:
        raise RuntimeError("observer bug")

    for into in seen:
        app.runtime.hooks.add_step_observer(observer(into))
    app.runtime.hooks.add_step_observer(broken)
    tries: list[int] = []

    @app.step(retry=podium.RetryPolicy(max_attempts=2, initial_delay=0.0, jitter=False))
    def flaky() -> int:
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("once")
        return 7

    @app.workflow
    def flow() -> int:
        value = flaky()
        podium.sleep(SHORT)  # the run after it replays the step: no attempt ran, none seen
        return value

    with caplog.at_level("ERROR", logger="podium.hooks"):
        assert app.run(flow) == 7
    expected = [("flow", "flaky", 1, False), ("flow", "flaky", 2, True)]
    assert seen == [expected] * observers
    failed = [r for r in caplog.records if r.getMessage().startswith("step observer")]
    assert len(failed) == 2  # logged for each attempt, never raised


def test_a_step_runs_outside_the_workflow_context_with_its_own(app: podium.App):
    seen: dict[str, Any] = {}

    @app.step
    def inside() -> str:
        seen["run"] = context.current_run.get()
        step = context.current_step.get()
        seen["step"] = None if step is None else (step.workflow_id, step.position, step.attempt)
        return podium.idempotency_key()

    @app.workflow
    def flow() -> str:
        podium.now()  # position 0
        return inside()

    assert app.run(flow, id="w") == "w/1/inside"
    assert seen == {"run": None, "step": ("w", 1, 1)}


def test_a_sync_step_that_runs_past_its_timeout_is_a_failed_attempt(app: podium.App):
    release = threading.Event()

    @app.step(timeout=0.05)
    def slow() -> None:
        release.wait(5)

    @app.workflow
    def flow() -> str:
        try:
            slow()
        except podium.StepTimeout:
            return "timed out"
        return "finished"

    try:
        assert app.run(flow, id="w") == "timed out"
    finally:
        release.set()
    assert history(app, "w")[0].status == "failed"


def test_async_steps_are_awaited_in_async_workflows_and_run_on_the_loop_in_sync_ones(
    app: podium.App,
):
    @app.step
    async def fetch(x: int) -> int:
        await asyncio.sleep(0)
        return x * 10

    @app.step(timeout=0.05)
    async def hang() -> None:
        await asyncio.sleep(5)

    @app.workflow
    async def async_flow() -> list[int]:
        try:
            await hang()
        except podium.StepTimeout:
            pass
        return [await fetch(1), await fetch(2)]

    @app.workflow
    def sync_flow() -> int:
        return fetch(3)  # type: ignore[return-value]  # run to completion on the loop

    assert app.run(async_flow) == [10, 20]
    assert app.run(sync_flow) == 30
