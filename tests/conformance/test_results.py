"""Waiting for a result: values, timeouts, and the errors a handle raises."""

import pytest

import podium


def test_result_times_out_without_a_worker(app: podium.App):
    @app.workflow
    def job() -> int:
        return 1

    handle = app.start(job, id="idle")
    with pytest.raises(TimeoutError, match=r"'idle'.*worker"):
        handle.result(timeout=0.1)
    assert handle.status() == "pending"


def test_result_of_a_finished_workflow_returns_at_once(app: podium.App):
    @app.workflow
    def job(x: dict[str, int]) -> dict[str, int]:
        return {"doubled": x["n"] * 2}

    app.run(job, {"n": 21}, id="done")
    handle = app.get("done")
    assert handle.result(timeout=0) == {"doubled": 42}
    assert handle.status() == podium.WorkflowStatus.COMPLETED
    assert handle.status() == "completed"


def test_result_through_a_worker(app: podium.App):
    @app.workflow
    async def job(x: int) -> int:
        return x + 1

    handle = app.start(job, 41)
    with app.worker():
        assert handle.result(timeout=10) == 42


def test_info_is_a_listing_record(app: podium.App):
    @app.workflow(queue="emails")
    def job() -> None: ...

    handle = app.start(job, id="info-1")
    info = handle.info()
    assert isinstance(info, podium.WorkflowInfo)
    assert (info.id, info.workflow, info.status, info.queue) == (
        "info-1",
        "job",
        "pending",
        "emails",
    )
    assert info.error_type is None and info.parent_id is None
    assert info.created_at <= info.updated_at
