"""Durable execution: completed steps are served from history when a workflow is re-run."""

import asyncio
import collections
from typing import Any

import pytest

import podium
from podium import errors
from podium.store import base

from .conftest import Waiter


def history_of(app: podium.App, workflow_id: str) -> list[tuple[str, str, str]]:
    return [(e.kind, e.name, e.status) for e in app.store.load_history(workflow_id)]


def test_completed_steps_do_not_run_again_after_a_suspension(app: podium.App):
    calls: collections.Counter[str] = collections.Counter()

    @app.step
    def first() -> str:
        calls["first"] += 1
        return "a"

    @app.step
    def second(value: str) -> str:
        calls["second"] += 1
        return value + "b"

    @app.workflow
    def pipeline() -> str:
        value = first()
        podium.sleep(0.4)  # longer than suspend_grace: unloaded, then re-run from the top
        return second(value)

    assert app.run(pipeline, id="cp") == "ab"
    assert calls == {"first": 1, "second": 1}
    record = app.store.get_workflow("cp")
    assert record is not None
    assert record.runs == 2
    assert history_of(app, "cp") == [
        ("step", "first", "completed"),
        ("sleep", "sleep", "scheduled"),
        ("step", "second", "completed"),
    ]


def test_async_workflow_checkpoints_too(app: podium.App):
    calls: collections.Counter[str] = collections.Counter()

    @app.step
    async def fetch(n: int) -> int:
        calls["fetch"] += 1
        return n * 10

    @app.workflow
    async def pipeline(n: int) -> int:
        value = await fetch(n)
        await podium.sleep(0.4)
        return int(value) + int(await fetch(n + 1))

    assert app.run(pipeline, 1, id="acp") == 30
    assert calls == {"fetch": 2}
    record = app.store.get_workflow("acp")
    assert record is not None and record.runs == 2


def test_worker_resumes_a_suspended_workflow(app: podium.App, wait_until: Waiter):
    calls: collections.Counter[str] = collections.Counter()

    @app.step
    def tick(n: int) -> int:
        calls[f"tick{n}"] += 1
        return n

    @app.workflow
    def ticker() -> list[int]:
        done = [tick(1)]
        podium.sleep(0.3)
        done.append(tick(2))
        return done

    handle = app.start(ticker)
    with app.worker(concurrency=2):
        assert handle.result(timeout=10) == [1, 2]
    assert calls == {"tick1": 1, "tick2": 1}


def test_step_results_come_back_as_stored(app: podium.App):
    """A step's value is what the store returns, on the first run as on replays."""

    @app.step
    def pair() -> tuple[int, int]:
        return (1, 2)

    @app.workflow
    def wf() -> list[object]:
        first = pair()
        podium.sleep(0.3)
        return [first, pair()]

    assert app.run(wf) == [[1, 2], [1, 2]]


class Writes:
    """What the engine asks `app.store` to write: appended positions, and each end's rows."""

    def __init__(self, app: podium.App, monkeypatch: pytest.MonkeyPatch) -> None:
        self.appended: list[int] = []
        self.ended: list[list[int]] = []
        store = app.store
        append, finish = store.append_history, store.finish

        def appending(fence: base.Fence, event: base.HistoryEvent) -> None:
            self.appended.append(event.seq)
            append(fence, event)

        def finishing(fence: base.Fence, outcome: base.Outcome, now: float, **kw: Any) -> bool:
            self.ended.append([event.seq for event in kw.get("history", ())])
            return finish(fence, outcome, now, **kw)

        monkeypatch.setattr(store, "append_history", appending)
        monkeypatch.setattr(store, "finish", finishing)


def test_the_last_steps_result_is_stored_with_the_runs_end(
    app: podium.App, monkeypatch: pytest.MonkeyPatch
):
    """Each result is written before the next step runs; the last one with the end (issue 19)."""
    writes = Writes(app, monkeypatch)

    @app.step
    def add(x: int) -> int:
        return x + 1

    @app.workflow
    def three(x: int) -> int:
        return add(add(add(x)))

    assert app.run(three, 0, id="w3") == 3
    assert (writes.appended, writes.ended) == ([0, 1], [[2]])
    assert history_of(app, "w3") == [("step", "add", "completed")] * 3


def test_a_failed_last_step_is_stored_with_the_failed_end(
    app: podium.App, monkeypatch: pytest.MonkeyPatch
):
    writes = Writes(app, monkeypatch)

    @app.step
    def boom() -> None:
        raise ValueError("boom")

    @app.workflow
    def failing() -> None:
        boom()

    with pytest.raises(podium.WorkflowFailed):
        app.run(failing, id="f")
    assert (writes.appended, writes.ended) == ([], [[0]])
    assert history_of(app, "f") == [("step", "boom", "failed")]


def test_concurrent_steps_of_an_async_workflow_do_not_wait_for_each_other(
    app: podium.App, monkeypatch: pytest.MonkeyPatch
):
    """A result is held only while no other step of the run is in flight."""
    writes = Writes(app, monkeypatch)
    events: dict[str, asyncio.Event] = {}

    @app.step
    async def meet(me: str, other: str) -> str:
        events.setdefault(me, asyncio.Event()).set()
        await events.setdefault(other, asyncio.Event()).wait()  # both are in flight now
        return me

    @app.workflow
    async def pair() -> list[str]:
        return list(await asyncio.gather(meet("a", "b"), meet("b", "a")))

    assert app.run(pair, id="p") == ["a", "b"]
    assert len(writes.appended) == 1  # the first to end did not wait for the other
    assert writes.ended == [[1 - writes.appended[0]]]
    assert history_of(app, "p") == [("step", "meet", "completed")] * 2


def test_an_end_that_was_not_stored_runs_the_last_step_again_and_records_it_once(
    app: podium.App, monkeypatch: pytest.MonkeyPatch
):
    """The held result is lost with its end: the next run runs the step again (at least once)."""
    calls: collections.Counter[str] = collections.Counter()
    store = app.store
    finish = store.finish
    lost: list[bool] = []

    def losing_once(fence: base.Fence, outcome: base.Outcome, now: float, **kw: Any) -> bool:
        if not lost:
            lost.append(True)
            raise errors.LeaseLost(fence.workflow_id)  # as if the worker died before its commit
        return finish(fence, outcome, now, **kw)

    monkeypatch.setattr(store, "finish", losing_once)

    @app.step
    def first() -> str:
        calls["first"] += 1
        return "a"

    @app.step
    def last(value: str) -> str:
        calls["last"] += 1
        return value + "b"

    @app.workflow
    def pipeline() -> str:
        return last(first())

    handle = app.start(pipeline, id="lost")
    with app.worker(concurrency=1):
        assert handle.result(timeout=30) == "ab"
    assert calls == {"first": 1, "last": 2}
    assert history_of(app, "lost") == [
        ("step", "first", "completed"),
        ("step", "last", "completed"),
    ]
