"""How failures surface: WorkflowFailed details, unstorable results, caught step failures."""

import pytest

import podium

from .conftest import AppFactory


class PaymentDeclined(Exception):
    """A module-level error type, so its recorded failure replays as the same type."""


def test_workflow_failed_carries_type_message_and_traceback(app: podium.App):
    @app.workflow
    def explode(n: int) -> None:
        raise ValueError(f"bad input {n}")

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(explode, 7, id="f1")
    failure = caught.value
    assert failure.error_type == "ValueError"
    assert failure.message == "bad input 7"
    assert failure.traceback is not None
    assert "ValueError: bad input 7" in failure.traceback
    assert "explode" in failure.traceback
    assert "'f1'" in str(failure)
    assert isinstance(failure, podium.PodiumError)
    [info] = app.list(status="failed")
    assert info.error_type == "ValueError"
    with pytest.raises(podium.WorkflowFailed):
        app.get("f1").result(timeout=1)


def test_step_failure_carries_the_step_error(app: podium.App):
    @app.step
    def charge() -> None:
        raise PaymentDeclined("card declined")

    @app.workflow
    def checkout() -> None:
        charge()

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(checkout)
    assert caught.value.error_type == "PaymentDeclined"
    assert caught.value.message == "card declined"
    assert "charge" in (caught.value.traceback or "")


def test_unstorable_step_result_fails_the_workflow(app: podium.App):
    @app.step
    def tags() -> set[str]:
        return {"a", "b"}

    @app.workflow
    def wf() -> None:
        tags()

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(wf, id="f3")
    assert caught.value.error_type == "SerializationError"
    assert "result of step 'tags'" in caught.value.message
    [event] = app.store.load_history("f3")
    assert (event.name, event.status) == ("tags", "failed")


def test_unstorable_workflow_result_fails_the_workflow(app: podium.App):
    @app.workflow
    def wf() -> object:
        return object()

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(wf)
    assert caught.value.error_type == "SerializationError"
    assert "result of workflow 'wf'" in caught.value.message


def test_result_over_the_payload_limit_fails_the_workflow(app_factory: AppFactory):
    app = app_factory(max_payload_bytes=100)

    @app.step
    def big() -> str:
        return "x" * 200

    @app.workflow
    def wf() -> None:
        big()

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(wf)
    assert caught.value.error_type == "PayloadTooLarge"  # API.md, "Data governance"
    assert "payload limit" in caught.value.message
    assert "'big'" in caught.value.message and "'wf'" in caught.value.message


def test_unstorable_step_result_is_not_retried(app: podium.App):
    calls: list[int] = []

    @app.step(retry=podium.RetryPolicy(max_attempts=3, initial_delay=0))
    def tags() -> set[str]:
        calls.append(1)
        return {"a"}

    @app.workflow
    def wf() -> None:
        tags()

    with pytest.raises(podium.WorkflowFailed):
        app.run(wf)
    assert calls == [1]


@pytest.mark.parametrize("error", [PaymentDeclined, ValueError], ids=lambda e: e.__name__)
def test_caught_step_failure_replays_as_the_same_type(app: podium.App, error: type[Exception]):
    calls: list[int] = []

    @app.step
    def charge() -> None:
        calls.append(1)
        raise error("card declined")

    @app.workflow
    def checkout() -> str:
        try:
            charge()
        except error as exc:
            outcome = f"handled {type(exc).__name__}: {exc}"
        podium.sleep(0.3)  # suspend: the next run replays the failure from history
        return outcome

    assert app.run(checkout, id="f4") == f"handled {error.__name__}: card declined"
    assert calls == [1]
    record = app.store.get_workflow("f4")
    assert record is not None and record.runs == 2


def test_workflow_error_after_caught_step_failure(app: podium.App):
    @app.step
    def charge() -> None:
        raise PaymentDeclined("no funds")

    @app.workflow
    def checkout() -> None:
        try:
            charge()
        except PaymentDeclined as exc:
            raise RuntimeError("order abandoned") from exc

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(checkout)
    assert caught.value.error_type == "RuntimeError"
    assert "PaymentDeclined: no funds" in (caught.value.traceback or "")
