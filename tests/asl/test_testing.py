import pytest

from podium.asl import DefinitionError, test_state


def test_task_success_with_inspection_data():
    state = {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:1:function:f",
        "Next": "After",
        "InputPath": "$.payload",
        "Parameters": {"data.$": "$.data"},
        "ResultSelector": {"r.$": "$.value"},
        "ResultPath": "$.result",
        "OutputPath": "$.result",
    }
    out = test_state(state, {"payload": {"data": 1}}, mock={"result": {"value": 42}})
    assert out["status"] == "SUCCEEDED"
    assert out["output"] == {"r": 42}
    assert out["nextState"] == "After"
    data = out["inspectionData"]
    assert data["afterInputPath"] == {"data": 1}
    assert data["afterParameters"] == {"data": 1}
    assert data["result"] == {"value": 42}
    assert data["afterResultSelector"] == {"r": 42}
    assert data["afterResultPath"] == {"payload": {"data": 1}, "result": {"r": 42}}


def test_task_error_mock_and_catch():
    state = {
        "Type": "Task",
        "Resource": "r",
        "End": True,
        "Catch": [{"ErrorEquals": ["Oops"], "Next": "Handler"}],
    }
    out = test_state(state, {}, mock={"error": "Oops", "cause": "c"})
    assert out["status"] == "CAUGHT_ERROR"
    assert out["nextState"] == "Handler"
    assert out["output"] == {"Error": "Oops", "Cause": "c"}
    failed = test_state(
        {"Type": "Task", "Resource": "r", "End": True}, {}, mock={"error": "Oops", "cause": "c"}
    )
    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "Oops", "c")


def test_choice_and_variables():
    state = {
        "Type": "Choice",
        "QueryLanguage": "JSONata",
        "Choices": [{"Condition": "{% $limit > 3 %}", "Next": "Big"}],
        "Default": "Small",
    }
    assert test_state(state, {}, variables={"limit": 5})["nextState"] == "Big"
    assert test_state(state, {}, variables={"limit": 1})["nextState"] == "Small"


def test_pass_assigns_and_context():
    out = test_state(
        {
            "Type": "Pass",
            "Parameters": {"id.$": "$$.Execution.Id"},
            "Assign": {"a": 1},
            "End": True,
        },
        {},
        context={"Execution": {"Id": "exec-9"}},
    )
    assert out["output"] == {"id": "exec-9"}
    assert out["inspectionData"]["variables"] == {"a": 1}


def test_invalid_state_raises_definition_error():
    with pytest.raises(DefinitionError) as info:
        test_state({"Type": "Pass", "End": True, "Resource": "x"}, {})
    assert info.value.diagnostics[0]["code"] == "UNKNOWN_FIELD"
