"""`test_state` against the TestState API: statuses, errorDetails and mock validation.

Expected values follow responses recorded from AWS (retry with retrierRetryCount, caught
errors, mock validation messages).
"""

from typing import Any

import pytest

from podium.asl import DefinitionError, test_state

INPUT = {"Values": ["first", "second", "third"]}
MOCK_ERROR = {"errorOutput": {"error": "MockException", "cause": "Mock the cause of the error."}}


def lambda_task(**fields):
    return {
        "QueryLanguage": "JSONata",
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "foo", "Payload": "bar"},
        "End": True,
        **fields,
    }


RETRY = [
    {"ErrorEquals": ["MockException"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2.0}
]


def test_retriable_reports_the_backoff_of_the_next_retry():
    out = test_state(
        lambda_task(Retry=RETRY),
        INPUT,
        mock=MOCK_ERROR,
        state_configuration={"retrierRetryCount": 4},
    )
    assert out == {
        "status": "RETRIABLE",
        "error": "MockException",
        "cause": "Mock the cause of the error.",
        "inspectionData": {
            "input": INPUT,
            "afterArguments": {"FunctionName": "foo", "Payload": "bar"},
            "errorDetails": {"retryIndex": 0, "retryBackoffIntervalSeconds": 16},
        },
    }


def test_used_up_retrier_without_catcher_fails():
    out = test_state(
        lambda_task(Retry=RETRY),
        INPUT,
        mock=MOCK_ERROR,
        state_configuration={"retrierRetryCount": 5},
    )
    assert out == {
        "status": "FAILED",
        "error": "MockException",
        "cause": "Mock the cause of the error.",
        "inspectionData": {
            "input": INPUT,
            "afterArguments": {"FunctionName": "foo", "Payload": "bar"},
            "errorDetails": {"retryIndex": 0},
        },
    }


def test_first_matching_retrier_is_reported_with_its_default_interval():
    retry = [
        {"ErrorEquals": ["MockException"], "MaxAttempts": 3},
        {"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "MaxAttempts": 2},
    ]
    mock = {"errorOutput": {"error": "States.ExceedToleratedFailureThreshold", "cause": "x"}}
    out = test_state(lambda_task(Retry=retry), INPUT, mock=mock)
    assert out["status"] == "RETRIABLE"
    assert out["inspectionData"]["errorDetails"] == {
        "retryIndex": 1,
        "retryBackoffIntervalSeconds": 1,
    }


def test_retry_backoff_is_capped_by_max_delay_seconds():
    retry = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "MaxDelaySeconds": 10}]
    out = test_state(
        lambda_task(Retry=retry), {}, mock=MOCK_ERROR, state_configuration={"retrierRetryCount": 2}
    )
    assert out["inspectionData"]["errorDetails"] == {
        "retryIndex": 0,
        "retryBackoffIntervalSeconds": 10,
    }


def test_caught_error_in_jsonata_outputs_the_catcher_output():
    state = lambda_task(
        Catch=[
            {"ErrorEquals": ["MockException"], "Output": "{% $states.input %}", "Next": "A"},
            {
                "ErrorEquals": ["States.TaskFailed"],
                "Output": "{% $states.errorOutput %}",
                "Next": "HandleThreshold",
            },
        ]
    )
    mock = {"errorOutput": {"error": "Lambda.Unknown", "cause": "out of memory"}}
    out = test_state(state, INPUT, mock=mock)
    assert out == {
        "status": "CAUGHT_ERROR",
        "error": "Lambda.Unknown",
        "cause": "out of memory",
        "output": {"Error": "Lambda.Unknown", "Cause": "out of memory"},
        "nextState": "HandleThreshold",
        "inspectionData": {
            "input": INPUT,
            "afterArguments": {"FunctionName": "foo", "Payload": "bar"},
            "errorDetails": {"catchIndex": 1},
        },
    }


def test_caught_error_with_result_path_in_jsonpath():
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f", "Payload.$": "$"},
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
        "Next": "Done",
    }
    out = test_state(state, {"orderId": "o-1"}, mock=MOCK_ERROR)
    assert out == {
        "status": "CAUGHT_ERROR",
        "error": "MockException",
        "cause": "Mock the cause of the error.",
        "output": {
            "orderId": "o-1",
            "error": {"Error": "MockException", "Cause": "Mock the cause of the error."},
        },
        "nextState": "Recover",
        "inspectionData": {
            "input": {"orderId": "o-1"},
            "afterInputPath": {"orderId": "o-1"},
            "afterParameters": {"FunctionName": "f", "Payload": {"orderId": "o-1"}},
            "errorDetails": {"catchIndex": 0},
        },
    }


def test_retries_used_up_then_caught():
    state = lambda_task(
        Retry=[{"ErrorEquals": ["Payment.Timeout"], "MaxAttempts": 2}],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "ReleaseStock"}],
    )
    mock = {"errorOutput": {"error": "Payment.Timeout", "cause": "no answer from the provider"}}
    out = test_state(state, {}, mock=mock, state_configuration={"retrierRetryCount": 2})
    assert (out["status"], out["nextState"]) == ("CAUGHT_ERROR", "ReleaseStock")
    assert out["inspectionData"]["errorDetails"] == {"retryIndex": 0, "catchIndex": 0}
    retriable = test_state(state, {}, mock=mock, state_configuration={"retrierRetryCount": 1})
    assert retriable["status"] == "RETRIABLE"
    assert "nextState" not in retriable and "output" not in retriable


def test_runtime_error_is_failed_even_with_catch_all():
    state = {
        "Type": "Task",
        "Resource": "r",
        "Parameters": {"x.$": "$.missing"},
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}],
        "End": True,
    }
    out = test_state(state, {}, mock={"result": 1})
    assert (out["status"], out["error"]) == ("FAILED", "States.Runtime")


def test_success_without_next_state_and_info_level():
    out = test_state(lambda_task(), INPUT, mock={"result": {"Payload": 1}}, inspection_level="INFO")
    assert out == {"status": "SUCCEEDED", "output": {"Payload": 1}}


def test_success_inspection_data_of_a_jsonpath_task():
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "InputPath": "$.order",
        "Parameters": {"Payload.$": "$"},
        "ResultSelector": {"charged.$": "$.Payload"},
        "ResultPath": "$.result",
        "Next": "Ship",
    }
    out = test_state(state, {"order": {"n": 1}}, mock={"result": {"Payload": 42}})
    assert out == {
        "status": "SUCCEEDED",
        "output": {"order": {"n": 1}, "result": {"charged": 42}},
        "nextState": "Ship",
        "inspectionData": {
            "input": {"order": {"n": 1}},
            "afterInputPath": {"n": 1},
            "afterParameters": {"Payload": {"n": 1}},
            "result": {"Payload": 42},
            "afterResultSelector": {"charged": 42},
            "afterResultPath": {"order": {"n": 1}, "result": {"charged": 42}},
        },
    }


def test_state_name_picks_a_state_of_a_whole_definition():
    definition: dict[str, Any] = {
        "QueryLanguage": "JSONata",
        "StartAt": "First",
        "States": {
            "First": {"Type": "Pass", "Next": "Second"},
            "Second": {"Type": "Pass", "Output": "{% $states.input.n + 1 %}", "End": True},
        },
    }
    assert test_state(definition, {"n": 1}, state_name="Second")["output"] == 2
    # TestState's context names the state "StateName", whichever state is tested (recorded).
    named = {**definition["States"]["Second"], "Output": "{% $states.context.State.Name %}"}
    assert test_state(named, {}, query_language="JSONata")["output"] == "StateName"


def test_mocked_parallel_result_goes_through_result_path():
    state = {
        "Type": "Parallel",
        "ResultPath": "$.branches",
        "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}},
        ],
        "End": True,
    }
    out = test_state(state, {"q": 1}, mock={"result": ["a", "b"]}, inspection_level="INFO")
    assert out == {"status": "SUCCEEDED", "output": {"q": 1, "branches": ["a", "b"]}}


@pytest.mark.parametrize(
    ("state", "mock", "message"),
    [
        (
            {"Type": "Pass", "End": True},
            {"result": 1},
            "State type 'Pass' is not supported when a mock is specified",
        ),
        (
            {"Type": "Fail", "Error": "E"},
            MOCK_ERROR,
            "State type 'Fail' is not supported when a mock is specified",
        ),
        (
            lambda_task(),
            {"result": 1, **MOCK_ERROR},
            "A test mock should have only one of the following fields: [result, errorOutput].",
        ),
        (
            {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                "End": True,
            },
            {"result": {"not": "a list"}},
            "Mocked result must be an array.",
        ),
        (
            {
                "Type": "Parallel",
                "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}],
                "End": True,
            },
            {"result": [1, 2]},
            "Mocked result must contain the same number of items as number of Parallel branches.",
        ),
    ],
)
def test_mock_validation_messages(state, mock, message):
    with pytest.raises(DefinitionError) as info:
        test_state(state, {}, mock=mock)
    assert info.value.diagnostics[0]["code"] == "ValidationException"
    assert info.value.diagnostics[0]["message"] == message
