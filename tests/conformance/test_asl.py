"""ASL state machines as podium workflows: results, failures, durability, definition errors."""

import pytest

import podium
from podium.asl import DefinitionError, TaskError

ORDER = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123:function:charge",
            "Parameters": {"amount.$": "$.amount", "id.$": "States.UUID()"},
            "ResultSelector": {"charged.$": "$.charged"},
            "ResultPath": "$.payment",
            "Retry": [{"ErrorEquals": ["Declined"], "IntervalSeconds": 1, "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}],
            "Next": "Wait",
        },
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Big?"},
        "Big?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Big"}],
            "Default": "Done",
        },
        "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "Refund": {"Type": "Fail", "Error": "Refunded", "Cause": "payment failed"},
    },
}


def test_run_returns_output_and_task_is_not_recomputed_after_suspend(app):
    calls = []

    def charge(payload):
        calls.append(payload["amount"])
        return {"charged": payload["amount"], "noise": 1}

    wf = app.asl_workflow("order", ORDER, {"arn:aws:lambda:us-east-1:123:function:charge": charge})
    # The 1 s Wait is longer than suspend_grace (0.2 s): the workflow suspends and replays.
    out = app.run(wf, {"amount": 150})
    assert out == {"amount": 150, "payment": {"charged": 150}, "size": "big"}
    assert calls == [150]


def test_failure_raises_workflow_failed_with_asl_error(app):
    def charge(payload):
        raise TaskError("Declined", "card declined")

    wf = app.asl_workflow("order", ORDER, {"arn:aws:lambda:us-east-1:123:function:charge": charge})
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {"amount": 5})
    assert info.value.error_type == "Refunded"
    assert info.value.message == "payment failed"


def test_uncaught_task_error_after_replay(app):
    attempts = []

    def flaky(payload):
        attempts.append(1)
        raise ValueError("nope")

    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "flaky",
                "End": True,
                "Retry": [{"ErrorEquals": ["ValueError"], "IntervalSeconds": 1, "MaxAttempts": 1}],
            }
        },
    }
    wf = app.asl_workflow("flaky", definition, {"flaky": flaky})
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {})
    assert (info.value.error_type, info.value.message) == ("ValueError", "nope")
    assert len(attempts) == 2


def test_runtime_error_names(app):
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "InputPath": "$.missing", "End": True}},
    }
    wf = app.asl_workflow("runtime", definition)
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {})
    assert info.value.error_type == "States.Runtime"


def test_a_fail_state_without_error_fails_with_an_empty_error_name(app):
    definition = {"StartAt": "F", "States": {"F": {"Type": "Fail"}}}
    wf = app.asl_workflow("bare_fail", definition)
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {})
    assert (info.value.error_type, info.value.message) == ("", "")
    assert "failed with an error without a name" in str(info.value)


def test_start_and_handle(app):
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": "{% $states.input.n * 2 %}", "End": True}},
    }
    wf = app.asl_workflow("double", definition)
    handle = app.start(wf, {"n": 21}, id="double-1")
    with app.worker(concurrency=1):
        assert handle.result(timeout=10) == 42


def test_unmapped_resource_fails_at_definition_time(app):
    with pytest.raises(DefinitionError) as info:
        app.asl_workflow("order", ORDER, {})
    assert info.value.diagnostics[0]["code"] == "UNMAPPED_RESOURCE"
    assert info.value.diagnostics[0]["location"] == "/States/Charge/Resource"


def test_invalid_definition_fails_before_anything_is_stored(app):
    with pytest.raises(DefinitionError):
        app.asl_workflow("bad", {"StartAt": "X", "States": {}})
    assert app.list() == []


def test_context_times_and_uuid_are_stable_across_replay(app):
    definition = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Pass",
                "Parameters": {
                    "t.$": "$$.State.EnteredTime",
                    "u.$": "States.UUID()",
                    "x.$": "$$.Execution.Name",
                },
                "Next": "W",
            },
            "W": {"Type": "Wait", "Seconds": 1, "End": True},
        },
    }
    wf = app.asl_workflow("stable", definition)
    out = app.run(wf, {}, id="stable-1")
    assert out["x"] == "stable-1"
    assert len(out["u"]) == 36 and out["t"].endswith("Z")
