"""`.waitForTaskToken` Tasks: `$$.Task.Token`, callbacks, heartbeats and timeouts.

As AWS does: the Task's result is the output sent with SendTaskSuccess; SendTaskFailure fails
it with the error and cause sent; no callback within TimeoutSeconds is States.Timeout and none
(nor a heartbeat) within HeartbeatSeconds is States.HeartbeatTimeout, both without a cause.
"""

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import podium
from podium.asl import test_state, tokens

from .helpers import FakeEffects, run

REVIEW = "arn:aws:lambda:us-east-1:123456789012:function:review"


def callback_machine(resource: str = "arn:aws:states:::lambda:invoke.waitForTaskToken", **fields):
    params: dict[str, Any] = {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}
    if "lambda:invoke" in resource:
        params = {
            "FunctionName": "review",
            "Payload": {"doc.$": "$.doc", "token.$": "$$.Task.Token"},
        }
    task = {"Type": "Task", "Resource": resource, "Parameters": params, "Next": "Done"}
    task.update(fields)
    return {
        "StartAt": "Ask",
        "States": {"Ask": task, "Done": {"Type": "Pass", "End": True}},
    }


def catch_all(**fields: Any) -> dict[str, Any]:
    return {"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], **fields}


# -- in process (LocalEffects): the resource calls back before the wait ----------------------


def test_callback_output_is_the_task_result():
    fx = FakeEffects()

    def review(payload):
        fx.send_task_success(payload["token"], {"approved": payload["doc"]})
        return {"ignored": True}

    fx.resources[REVIEW] = review
    out = run(callback_machine(ResultPath="$.review"), {"doc": "d1"}, effects=fx)
    assert out == {"doc": "d1", "review": {"approved": "d1"}}


def test_token_reaches_any_mapped_base_integration():
    fx = FakeEffects()
    seen = []

    def send(payload):
        seen.append(payload)
        fx.send_task_success(payload["MessageBody"]["token"], "ok")

    fx.resources["arn:aws:states:::sqs:sendMessage"] = send
    machine = callback_machine("arn:aws:states:::sqs:sendMessage.waitForTaskToken")
    assert run(machine, {}, effects=fx) == "ok"
    assert tokens.parse(seen[0]["MessageBody"]["token"]) is not None
    assert seen[0]["QueueUrl"] == "q"


def test_failure_callback_is_caught_with_its_error_and_cause():
    fx = FakeEffects()
    fx.resources["review"] = lambda p: fx.send_task_failure(p["token"], "Rejected", "too long")
    out = run(callback_machine(**catch_all()), {"doc": 1}, effects=fx)
    assert out == {"Error": "Rejected", "Cause": "too long"}


def test_no_callback_within_heartbeat_seconds_is_heartbeat_timeout():
    fx = FakeEffects()
    fx.resources["review"] = lambda p: fx.send_task_heartbeat(p["token"])
    machine = callback_machine(**catch_all(HeartbeatSeconds=10, TimeoutSeconds=60))
    assert run(machine, {"doc": 1}, effects=fx) == {
        "Error": "States.HeartbeatTimeout",
        "Cause": "",
    }


def test_no_callback_within_timeout_seconds_is_timeout():
    fx = FakeEffects({"review": lambda p: None})
    machine = callback_machine(**catch_all(TimeoutSeconds=5))
    assert run(machine, {"doc": 1}, effects=fx) == {"Error": "States.Timeout", "Cause": ""}


def test_heartbeat_seconds_path_must_be_a_positive_integer():
    fx = FakeEffects({"review": lambda p: None})
    machine = callback_machine(**catch_all(HeartbeatSecondsPath="$.beat"))
    with pytest.raises(Exception) as info:
        run(machine, {"doc": 1, "beat": "x"}, effects=fx)
    assert getattr(info.value, "error", None) == "States.Runtime"


def test_every_retry_gets_a_new_token():
    fx = FakeEffects()
    seen: list[str] = []

    def review(payload):
        seen.append(payload["token"])
        if len(seen) == 1:
            fx.send_task_failure(payload["token"], "Busy", "")
        else:
            fx.send_task_success(payload["token"], len(seen))

    fx.resources["review"] = review
    machine = callback_machine(Retry=[{"ErrorEquals": ["Busy"], "IntervalSeconds": 1}])
    assert run(machine, {"doc": 1}, effects=fx) == 2
    assert len(set(seen)) == 2


def test_jsonata_reads_the_token_from_states_context():
    fx = FakeEffects()
    fx.resources["review"] = lambda p: fx.send_task_success(p["t"], {"back": p["t"][:4]})
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Arguments": {
                    "FunctionName": "review",
                    "Payload": {"t": "{% $states.context.Task.Token %}"},
                },
                "End": True,
            }
        },
    }
    out = run(machine, {}, effects=fx)
    assert list(out) == ["back"] and len(out["back"]) == 4


def test_tokens_name_the_workflow_and_reject_garbage():
    token = tokens.mint("wf/1:x", "0123456789abcdef0123456789abcdef")
    assert tokens.parse(token) == ("wf/1:x", "asl.task-token.0123456789abcdef0123456789abcdef")
    assert tokens.parse("not a token") is None
    assert tokens.parse("") is None
    with pytest.raises(tokens.InvalidToken, match="not a podium task token"):
        tokens.topic("garbage")


def test_test_state_mock_stands_for_the_callback_output():
    state = callback_machine()["States"]["Ask"]
    out = test_state(state, {"doc": 1}, mock={"result": {"ok": 1}}, inspection_level="INFO")
    assert out == {"status": "SUCCEEDED", "output": {"ok": 1}, "nextState": "Done"}


# -- durable, through app.asl_workflow and a worker ------------------------------------------


@pytest.fixture
def app(tmp_path: Path) -> Iterator[podium.App]:
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    made = podium.App("tokens", database_url=url, poll_interval=0.02, suspend_grace=0.2)
    yield made
    made.close()


def until(condition: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)
    return value


class Recorder:
    """A mapped resource that records what it was called with (thread-safe)."""

    def __init__(self) -> None:
        self.calls: list[Any] = []
        self.lock = threading.Lock()

    def __call__(self, payload: Any) -> Any:
        with self.lock:
            self.calls.append(payload)
        return {"queued": True}

    def token(self) -> str | None:
        with self.lock:
            return self.calls[-1]["token"] if self.calls else None


def test_workflow_waits_for_send_task_success(app):
    review = Recorder()
    wf = app.asl_workflow("approval", callback_machine(ResultPath="$.review"), {REVIEW: review})
    with app.worker():
        handle = app.start(wf, {"doc": "d1"})
        token = until(review.token, "the review request")
        time.sleep(0.4)  # the workflow suspends (suspend_grace) and will replay
        app.send_task_heartbeat(token)
        app.send_task_success(token, {"approved": True})
        assert handle.result(timeout=10) == {"doc": "d1", "review": {"approved": True}}
    assert review.calls == [{"doc": "d1", "token": token}]  # called once across replays
    with pytest.raises(tokens.TaskTimedOut, match="does not exist anymore"):
        app.send_task_success(token, {})


def test_send_task_failure_is_caught(app):
    review = Recorder()
    catcher = {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}
    machine = callback_machine(Catch=[catcher])
    wf = app.asl_workflow("approval", machine, {"review": review})
    with app.worker():
        handle = app.start(wf, {"doc": "d2"})
        token = until(review.token, "the review request")
        app.send_task_failure(token, error="Rejected", cause="not good enough")
        app.send_task_success(token, "too late: the first callback counts")
        assert handle.result(timeout=10) == {
            "doc": "d2",
            "error": {"Error": "Rejected", "Cause": "not good enough"},
        }


def test_uncaught_failure_fails_the_workflow_with_its_error(app):
    review = Recorder()
    wf = app.asl_workflow("approval", callback_machine(), {"review": review})
    with app.worker():
        handle = app.start(wf, {"doc": "d3"})
        app.send_task_failure(until(review.token, "the review request"), "Rejected", "no")
        with pytest.raises(podium.WorkflowFailed) as info:
            handle.result(timeout=10)
    assert (info.value.error_type, info.value.message) == ("Rejected", "no")


def test_heartbeat_timeout_in_a_workflow(app):
    review = Recorder()
    machine = callback_machine(**catch_all(HeartbeatSeconds=1))
    wf = app.asl_workflow("approval", machine, {"review": review})
    with app.worker():
        handle = app.start(wf, {"doc": "d4"})
        assert handle.result(timeout=10) == {"Error": "States.HeartbeatTimeout", "Cause": ""}


def test_unknown_tokens_are_rejected(app):
    with pytest.raises(tokens.InvalidToken, match="not a podium task token"):
        app.send_task_success("nonsense", {})
    stranger = tokens.mint("no-such-workflow", "0" * 32)
    with pytest.raises(tokens.InvalidToken, match="no-such-workflow"):
        app.send_task_failure(stranger, "E", "c")


def test_child_execution_calls_back_its_parent(app):
    parent = {
        "StartAt": "Delegate",
        "States": {
            "Delegate": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
                "Parameters": {
                    "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Worker",
                    "Input": {"token.$": "$$.Task.Token", "job.$": "$.job"},
                },
                "End": True,
            }
        },
    }
    child = {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": "work", "End": True}},
    }

    def work(payload):
        app.send_task_success(payload["token"], {"done": payload["job"]})
        return "sent"

    app.asl_workflow("Worker", child, {"work": work})
    wf = app.asl_workflow("Boss", parent)
    with app.worker():
        assert app.start(wf, {"job": 7}).result(timeout=10) == {"done": 7}
