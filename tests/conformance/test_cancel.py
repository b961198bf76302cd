"""Cancelling: a cancelled workflow runs nothing more and its result raises WorkflowCancelled."""

import threading

import pytest

import podium

from .conftest import Waiter


def test_cancel_a_sleeping_workflow(app: podium.App, wait_until: Waiter):
    @app.workflow
    def nap() -> str:
        podium.sleep(3600)
        return "woke"

    handle = app.start(nap, id="c1")
    with app.worker():
        wait_until(lambda: handle.status() == "waiting", what="the workflow to suspend")
        handle.cancel()
        with pytest.raises(podium.WorkflowCancelled) as caught:
            handle.result(timeout=10)
    assert caught.value.workflow_id == "c1"
    assert "app.resume('c1')" in str(caught.value)
    assert handle.status() == "cancelled"
    assert handle.info().error_type == "WorkflowCancelled"


def test_cancel_a_pending_workflow_by_id(app: podium.App):
    ran: list[int] = []

    @app.workflow
    def job() -> None:
        ran.append(1)

    handle = app.start(job, id="c2")
    app.cancel("c2")
    with app.worker():
        with pytest.raises(podium.WorkflowCancelled):
            handle.result(timeout=10)
        assert app.start(job, id="c2-other").result(timeout=10) is None
    assert ran == [1], "only the other workflow ran"


def test_cancel_while_a_step_runs_stops_before_the_next(app: podium.App, wait_until: Waiter):
    entered, go = threading.Event(), threading.Event()
    ran: list[str] = []

    @app.step
    def first() -> None:
        entered.set()
        go.wait(10)
        ran.append("first")

    @app.step
    def second() -> None:
        ran.append("second")

    @app.workflow
    def wf() -> None:
        first()
        second()

    handle = app.start(wf, id="c3")
    with app.worker() as worker:
        assert entered.wait(10)
        handle.cancel()
        go.set()
        wait_until(lambda: worker.active == 0, what="the run to stop")
    assert ran == ["first"]
    assert handle.status() == "cancelled"
    assert app.store.load_history("c3") == [], "the fenced-off step result was not stored"


def test_cancel_unknown_raises_not_found(app: podium.App):
    with pytest.raises(podium.WorkflowNotFound):
        app.cancel("nope")


def test_cancel_a_finished_workflow_changes_nothing(app: podium.App):
    @app.workflow
    def job() -> int:
        return 5

    app.run(job, id="c4")
    app.cancel("c4")
    assert app.get("c4").result() == 5
