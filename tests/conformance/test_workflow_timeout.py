"""Workflow timeouts: past `timeout=` a workflow fails with error type TimeoutError."""

import time

import pytest

import podium


def test_timeout_between_steps(app: podium.App):
    ran: list[str] = []

    @app.step
    def slow() -> None:
        time.sleep(0.3)
        ran.append("slow")

    @app.step
    def after() -> None:
        ran.append("after")

    @app.workflow
    def wf() -> None:
        slow()
        after()

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(wf, id="to-1", timeout=0.1)
    assert caught.value.error_type == "TimeoutError"
    assert "timeout of 0.1s" in caught.value.message
    assert ran == ["slow"]
    [info] = app.list(status="failed")
    assert info.error_type == "TimeoutError"


def test_timeout_while_sleeping(app: podium.App):
    """A workflow waiting on a timer past its deadline fails instead of waiting again."""

    @app.workflow
    def nap() -> str:
        podium.sleep(3600)
        return "woke"

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(nap, id="to-2", timeout=0.3)
    assert caught.value.error_type == "TimeoutError"
    record = app.store.get_workflow("to-2")
    assert record is not None and record.runs == 2


def test_timeout_from_the_decorator(app: podium.App):
    @app.workflow(timeout=0.3)
    def nap() -> None:
        podium.sleep(3600)

    handle = app.start(nap)
    with app.worker():
        with pytest.raises(podium.WorkflowFailed) as caught:
            handle.result(timeout=10)
    assert caught.value.error_type == "TimeoutError"


def test_workflow_within_its_timeout_completes(app: podium.App):
    @app.workflow(timeout=60)
    def quick() -> int:
        podium.sleep(0.3)
        return 1

    assert app.run(quick) == 1
