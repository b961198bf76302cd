"""`test_state` against TestState responses recorded from AWS (inspectionData, context, Map)."""

import pytest

from podium.asl import DefinitionError, test_state

HELLO = {"Value": "HelloWorld"}
NESTED = {"initialData": {"field": "from input", "other": "x"}, "unrelated": {"n": 1}}


def test_pass_without_result_shows_no_result_step():
    out = test_state({"Type": "Pass", "End": True}, HELLO)
    assert out == {
        "status": "SUCCEEDED",
        "output": HELLO,
        "inspectionData": {
            "input": HELLO,
            "afterInputPath": HELLO,
            "afterParameters": HELLO,
            "afterResultSelector": HELLO,
            "afterResultPath": HELLO,
        },
    }


def test_pass_with_result_shows_neither_input_path_nor_parameters():
    state = {
        "Type": "Pass",
        "InputPath": "$.initialData",
        "Parameters": {"static": "v", "value.$": "$.field"},
        "Result": {"key": "result value"},
        "ResultPath": "$.modified",
        "End": True,
    }
    expected = {**NESTED, "modified": {"key": "result value"}}
    assert test_state(state, NESTED)["inspectionData"] == {
        "input": NESTED,
        "result": {"key": "result value"},
        "afterResultSelector": {"key": "result value"},
        "afterResultPath": expected,
    }


def test_pass_with_parameters_and_result_path():
    state = {
        "Type": "Pass",
        "InputPath": "$.initialData",
        "Parameters": {"static": "v", "value.$": "$.field"},
        "ResultPath": "$.modified",
        "End": True,
    }
    built = {"static": "v", "value": "from input"}
    assert test_state(state, NESTED)["inspectionData"] == {
        "input": NESTED,
        "afterInputPath": NESTED["initialData"],
        "afterParameters": built,
        "afterResultSelector": built,
        "afterResultPath": {**NESTED, "modified": built},
    }


@pytest.mark.parametrize(
    "state",
    [{"Type": "Succeed"}, {"Type": "Fail", "Error": "SomeFailure", "Cause": "why"}],
)
def test_succeed_and_fail_show_the_input_path_only(state):
    out = test_state(state, HELLO, inspection_level="TRACE")
    assert out["inspectionData"] == {"input": HELLO, "afterInputPath": HELLO}


def test_info_level_fail_has_error_and_cause_only():
    state = {"Type": "Fail", "Error": "SomeFailure", "Cause": "why"}
    out = test_state(state, HELLO, inspection_level="INFO")
    assert out == {"status": "FAILED", "error": "SomeFailure", "cause": "why"}


def _jsonata_map(**fields):
    return {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "Items": "{% $states.input.Values %}",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": {"Work": {"Type": "Pass", "End": True}},
        },
        "Output": "{% $states %}",
        "End": True,
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"MaxConcurrency": "{% $v := 1 %}"}, {"maxConcurrency": 1}),
        (
            {"ToleratedFailurePercentage": "{% $v := 1 %}"},
            {"maxConcurrency": 0, "toleratedFailurePercentage": 1.0},
        ),
        (
            {"ToleratedFailureCount": "{% $v := 1 %}"},
            {"maxConcurrency": 0, "toleratedFailureCount": 1},
        ),
    ],
)
def test_mocked_jsonata_map_shows_its_limits(fields, shown):
    out = test_state(_jsonata_map(**fields), {"Values": [1, 2, 3]}, mock={"result": [1, 1, 1]})
    assert out["inspectionData"] == {"input": {"Values": [1, 2, 3]}, **shown}
    assert out["output"]["result"] == [1, 1, 1]
    assert out["output"]["input"] == {"Values": [1, 2, 3]}


def test_default_context_names_the_state_state_name_without_redrive_count():
    out = test_state(_jsonata_map(), {"Values": [1]}, mock={"result": [1]})
    context = out["output"]["context"]
    assert set(context["Execution"]) == {"Id", "Input", "Name", "RoleArn", "StartTime"}
    assert context["Execution"]["Input"] == {"Values": [1]}
    assert context["State"]["Name"] == "StateName"
    assert context["State"]["RetryCount"] == 0


def test_jsonata_pass_shows_given_variables_and_has_no_retry_count():
    state = {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Output": {
            "state": "{% $states.context.State %}",
            "total": "{% $sum($states.input.values) + $constant %}",
            "value": "{% $given %}",
        },
        "End": True,
    }
    out = test_state(state, {"values": [1, 2, 3]}, variables={"given": "v", "constant": 10})
    assert out["inspectionData"] == {
        "input": {"values": [1, 2, 3]},
        "variables": {"given": "v", "constant": 10},
    }
    assert set(out["output"]["state"]) == {"Name", "EnteredTime"}
    assert out["output"]["total"] == 16
    assert out["output"]["value"] == "v"


def _context_task(literal):
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName.$": "$.FunctionName", "Payload": {"Input.$": "$"}},
        "ResultSelector": {"LambdaOutput.$": "$", "ContextObjectValue.$": literal},
        "End": True,
    }


CONTEXT = {
    "Execution": {
        "Id": "arn:aws:states:us-east-1:1:execution:M:e",
        "Input": {"values": ["charizard", "pikachu"]},
        "Name": "e",
        "RoleArn": "arn:aws:iam::1:role/R",
        "StartTime": "2025-01-15T10:30:00.000Z",
    },
    "State": {"EnteredTime": "2025-01-15T10:30:01.500Z", "Name": "MyTaskState", "RetryCount": 0},
    "StateMachine": {"Id": "arn:aws:states:us-east-1:1:stateMachine:M", "Name": "M"},
}


@pytest.mark.parametrize(
    "context", [CONTEXT, {}, {"Execution": {}, "State": {}, "StateMachine": {}}]
)
def test_given_context_is_the_whole_context_object(context):
    value = {"FunctionName": "f", "Payload": {"n": 0}}
    out = test_state(_context_task("$$"), value, context=context, mock={"result": {"p": 1}})
    assert out["output"] == {"LambdaOutput": {"p": 1}, "ContextObjectValue": context}
    assert out["inspectionData"]["afterParameters"] == {
        "FunctionName": "f",
        "Payload": {"Input": value},
    }
    assert out["inspectionData"]["result"] == {"p": 1}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"Execution": {"Id": 1}}, "Execution.Id must be a string"),
        ({"Map": {}}, "'Map' field is not supported when mocking a Context object"),
        ({"Execution": {"pokemon": "squirtle"}}, "Field 'pokemon' is not allowed"),
        ({"Pokedex": {}}, "Field 'Pokedex' is not allowed"),
        (
            {**CONTEXT, "Task": {"Token": "abc"}},
            "Context object contains 'Task' when state is not a Task state with a '.sync' "
            "or '.waitForTaskToken' service integration pattern",
        ),
    ],
)
def test_invalid_context_objects_are_rejected(context, message):
    with pytest.raises(DefinitionError) as info:
        test_state(_context_task("$$"), {}, context=context, mock={"result": {}})
    assert info.value.diagnostics[0]["message"] == f"Invalid Context object provided: {message}"


def _items_map(path):
    return {
        "Type": "Map",
        "ItemsPath": path,
        "MaxConcurrency": 1,
        "ItemProcessor": {"StartAt": "H", "States": {"H": {"Type": "Pass", "End": True}}},
        "End": True,
    }


@pytest.mark.parametrize(
    ("path", "shown"), [("$$", "$"), ("$$.Execution.Input", "$.Execution.Input")]
)
def test_items_path_must_point_to_an_array_even_when_mocked(path, shown):
    items = ["fire", "grass"]
    out = test_state(_items_map(path), items, context=CONTEXT, mock={"result": ["A", "B"]})
    assert out == {
        "status": "FAILED",
        "error": "States.Runtime",
        "cause": f'Reference path "{shown}" must point to array.',
        "inspectionData": {"input": items, "afterInputPath": items},
    }


def test_mocked_jsonpath_map_shows_its_items_and_the_steps_after_its_result():
    items = ["fire", "grass"]
    map_state = _items_map("$$.Execution.Input.values")
    out = test_state(map_state, items, context=CONTEXT, mock={"result": ["A", "B"]})
    assert out == {
        "status": "SUCCEEDED",
        "output": ["A", "B"],
        "inspectionData": {
            "input": items,
            "afterInputPath": items,
            "afterItemsPath": ["charizard", "pikachu"],
            "maxConcurrency": 1,
            "afterResultSelector": ["A", "B"],
            "afterResultPath": ["A", "B"],
        },
    }


def _tolerant_map():
    return _jsonata_map(
        ToleratedFailureCount=1,
        Catch=[
            {"ErrorEquals": ["MockException"], "Next": "HandleMock"},
            {
                "ErrorEquals": ["States.ExceedToleratedFailureThreshold"],
                "Output": "{% $states.errorOutput %}",
                "Next": "HandleThreshold",
            },
        ],
        Output=None,
    )


def test_map_iteration_failures_past_the_tolerance_fail_the_map():
    state = {k: v for k, v in _tolerant_map().items() if v is not None}
    value = {"Values": ["a", "b", "c"]}
    config = {"mapIterationFailureCount": 2}
    out = test_state(state, value, mock={"result": [0, 0, 1]}, state_configuration=config)
    error = "States.ExceedToleratedFailureThreshold"
    cause = "The specified tolerated failure threshold was exceeded"
    assert out == {
        "status": "CAUGHT_ERROR",
        "error": error,
        "cause": cause,
        "output": {"Error": error, "Cause": cause},
        "nextState": "HandleThreshold",
        "inspectionData": {
            "input": value,
            "maxConcurrency": 0,
            "toleratedFailureCount": 1,
            "errorDetails": {"catchIndex": 1},
        },
    }
    config = {"mapIterationFailureCount": 0}
    below = test_state(state, value, mock={"result": [1, 1, 1]}, state_configuration=config)
    assert below["status"] == "SUCCEEDED"
    assert below["output"] == [1, 1, 1]


def test_map_without_tolerance_ignores_the_iteration_failure_count():
    value = {"Values": ["a", "b", "c"]}
    config = {"mapIterationFailureCount": 2}
    out = test_state(_jsonata_map(), value, mock={"result": [0, 0, 1]}, state_configuration=config)
    assert out["status"] == "SUCCEEDED"
    assert out["output"]["result"] == [0, 0, 1]


def test_mocked_error_of_a_map_fails_it():
    value = {"Values": [1, 1, 1]}
    mock = {"errorOutput": {"error": "MockException", "cause": "Mock the cause."}}
    out = test_state(_jsonata_map(), value, mock=mock)
    assert out == {
        "status": "FAILED",
        "error": "MockException",
        "cause": "Mock the cause.",
        "inspectionData": {"input": value, "maxConcurrency": 0},
    }
