"""Errors of Tasks as executions recorded against AWS report and handle them."""

import pytest

from podium.asl import errors
from podium.asl.errors import TaskError
from tests.asl.helpers import run

FUNCTION = "arn:aws:lambda:us-east-1:111111111111:function:big"
CAUSE = (
    f"The state/task '{FUNCTION}' returned a result with a size exceeding the maximum number "
    "of bytes service limit."
)


def _oversized(payload):
    raise TaskError("States.DataLimitExceeded", CAUSE)


def _machine(catch):
    return {
        "StartAt": "Invoke",
        "States": {
            "Invoke": {"Type": "Task", "Resource": FUNCTION, "Catch": catch, "Next": "Done"},
            "Done": {"Type": "Pass", "End": True},
            "Handle": {"Type": "Pass", "End": True},
        },
    }


@pytest.mark.parametrize("name", ["States.DataLimitExceeded", "States.ALL"])
def test_data_limit_exceeded_of_a_task_is_caught(name):
    definition = _machine([{"ErrorEquals": [name], "Next": "Handle"}])
    out = run(definition, {"FunctionName": "big", "Payload": None}, {FUNCTION: _oversized})
    assert out == {"Error": "States.DataLimitExceeded", "Cause": CAUSE}


def test_states_runtime_is_still_not_caught_by_states_all():
    assert not errors.matches(["States.ALL"], "States.Runtime")
    assert errors.matches(["States.ALL"], "States.DataLimitExceeded")


def test_uncaught_data_limit_exceeded_fails_the_execution():
    definition = _machine([{"ErrorEquals": ["States.TaskFailed"], "Next": "Handle"}])
    with pytest.raises(errors.ASLError) as info:
        run(definition, {}, {FUNCTION: _oversized})
    assert (info.value.error, info.value.cause) == ("States.DataLimitExceeded", CAUSE)


def _raises(payload):
    raise Exception("Some exception was raised.")


def test_lambda_exception_is_named_by_its_class_and_caught_by_name():
    catch = [{"ErrorEquals": ["Exception"], "ResultPath": "$.error", "Next": "Handle"}]
    out = run(_machine(catch), {"FunctionName": "f", "Payload": None}, {FUNCTION: _raises})
    # AWS's Cause for a Lambda is its JSON error report; a mapped function's is its message.
    assert out["error"]["Error"] == "Exception"
    assert {k: v for k, v in out.items() if k != "error"} == {"FunctionName": "f", "Payload": None}


def test_lambda_exception_is_covered_by_task_failed():
    catch = [{"ErrorEquals": ["States.TaskFailed"], "Next": "Handle"}]
    out = run(_machine(catch), {}, {FUNCTION: _raises})
    assert out["Error"] == "Exception"
