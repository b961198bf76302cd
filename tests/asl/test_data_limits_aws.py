"""States.DataLimitExceeded: 256 KB (262144 bytes of UTF-8 JSON) between states.

Minimal machines for what AWS records: an execution input over the limit fails the
execution; a state's input or output over it fails that state; a Task's result over it fails
the Task, where Catch (States.ALL too) takes it.
"""

import pytest

from podium.asl import errors
from podium.asl.datalimit import MAX_BYTES, size
from tests.asl.helpers import run

FUNCTION = "arn:aws:lambda:us-east-1:111111111111:function:big"


def failure(definition, value, resources=None):
    with pytest.raises(errors.ASLError) as info:
        run(definition, value, resources)
    return info.value.error, info.value.cause


def string_of(total):
    """A JSON string value whose encoding is exactly `total` bytes (quotes included)."""
    return "a" * (total - 2)


PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def test_the_size_is_bytes_of_compact_utf8_json():
    assert size({"a": [1, 2]}) == len('{"a":[1,2]}')
    assert size("é") == 4  # two quotes and two UTF-8 bytes
    assert size("\U0001f600") == 6


def test_an_execution_input_at_the_limit_runs():
    assert run(PASS, string_of(MAX_BYTES)) == string_of(MAX_BYTES)


def test_an_execution_input_over_the_limit_fails_with_data_limit_exceeded():
    error, cause = failure(PASS, string_of(MAX_BYTES + 1))
    assert error == "States.DataLimitExceeded"
    assert cause.startswith(f"The execution input has a size of {MAX_BYTES + 1} bytes")


def test_multibyte_characters_count_as_their_utf8_bytes():
    value = "é" * ((MAX_BYTES - 2) // 2 + 1)  # fewer characters than the limit, more bytes
    assert len(value) < MAX_BYTES < size(value)
    assert failure(PASS, value)[0] == "States.DataLimitExceeded"


def test_a_state_output_over_the_limit_fails_the_execution():
    definition = {
        "StartAt": "Grow",
        "States": {
            "Grow": {
                "Type": "Pass",
                "Parameters": {"a.$": "$.s", "b.$": "$.s"},
                "Next": "After",
            },
            "After": {"Type": "Pass", "End": True},
        },
    }
    error, cause = failure(definition, {"s": string_of(MAX_BYTES // 2)})
    assert error == "States.DataLimitExceeded"
    assert cause.startswith("The output of the state 'Grow' has a size of")


def test_an_oversized_state_output_is_not_caught_by_its_own_catcher():
    definition = {
        "StartAt": "Grow",
        "States": {
            "Grow": {
                "Type": "Parallel",
                "Branches": [PASS, PASS],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }
    assert failure(definition, string_of(MAX_BYTES // 2 + 10))[0] == "States.DataLimitExceeded"


def test_a_branch_input_over_the_limit_fails_the_branch_and_the_parallel_catches_it():
    branch = {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}
    definition = {
        "StartAt": "Par",
        "States": {
            "Par": {
                "Type": "Parallel",
                "Parameters": {"a.$": "$.s", "b.$": "$.s"},
                "Branches": [branch],
                "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "OutputPath": "$.Error", "End": True},
        },
    }
    assert run(definition, {"s": string_of(MAX_BYTES // 2)}) == "States.DataLimitExceeded"


def test_an_oversized_task_result_is_caught_with_the_cause_aws_records():
    definition = {
        "StartAt": "Invoke",
        "States": {
            "Invoke": {
                "Type": "Task",
                "Resource": FUNCTION,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
                "End": True,
            },
            "Handle": {"Type": "Pass", "End": True},
        },
    }
    out = run(definition, {}, {FUNCTION: lambda _: string_of(MAX_BYTES + 1)})
    assert out == {
        "Error": "States.DataLimitExceeded",
        "Cause": f"The state/task '{FUNCTION}' returned a result with a size exceeding the "
        "maximum number of bytes service limit.",
    }


def test_an_oversized_task_result_trimmed_by_result_selector_still_fails():
    definition = {
        "StartAt": "Invoke",
        "States": {
            "Invoke": {
                "Type": "Task",
                "Resource": FUNCTION,
                "ResultSelector": {"n": 1},
                "End": True,
            }
        },
    }
    resources = {FUNCTION: lambda _: string_of(MAX_BYTES + 1)}
    assert failure(definition, {}, resources)[0] == "States.DataLimitExceeded"
