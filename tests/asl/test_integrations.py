"""Optimized Lambda integration (`arn:aws:states:::lambda:invoke`) on mapped functions.

Expected shapes follow AWS: the Task result is the Invoke response (ExecutedVersion, Payload,
SdkHttpMetadata, SdkResponseMetadata, StatusCode); a function that raises fails the Task
with its errorType as the error and the Lambda error payload (compact JSON of errorMessage,
errorType, requestId, stackTrace) as the cause; an unknown function is
Lambda.ResourceNotFoundException.
"""

import json
from pathlib import Path
from typing import Any

import pytest

import podium
from podium.asl import DefinitionError, TaskError, test_state

from .helpers import FakeEffects, run

ARN = "arn:aws:lambda:us-east-1:123456789012:function:charge"
REQUEST = "11111111-2222-3333-4444-555555555555"


class FixedIds(FakeEffects):
    """Fake effects whose UUIDs (so Lambda request ids) are fixed."""

    def uuid4(self) -> str:
        return REQUEST


def charge(payload: Any) -> Any:
    return {"charged": payload["amount"]}


def invoke(function: Any = "charge", **fields: Any) -> dict[str, Any]:
    """A one-state machine invoking `function` through lambda:invoke with the input."""
    params = {"FunctionName": function, "Payload.$": "$"}
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    return {"StartAt": "Call", "States": {"Call": {**state, "Parameters": params, **fields}}}


def expected_response(payload: Any, length: int) -> dict[str, Any]:
    headers = {
        "X-Amz-Executed-Version": "$LATEST",
        "x-amzn-Remapped-Content-Length": "0",
        "Connection": "keep-alive",
        "x-amzn-RequestId": REQUEST,
        "Content-Length": str(length),
        "Date": "Mon, 01 Jan 2024 12:00:00 GMT",
        "X-Amzn-Trace-Id": "Root=1-6592a940-111111112222333344445555;Sampled=0",
        "Content-Type": "application/json",
    }
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {k: [v] for k, v in headers.items()},
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Length": str(length),
                "Content-Type": "application/json",
                "Date": "Mon, 01 Jan 2024 12:00:00 GMT",
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": REQUEST,
                "X-Amzn-Trace-Id": "Root=1-6592a940-111111112222333344445555;Sampled=0",
            },
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": REQUEST},
        "StatusCode": 200,
    }


def test_result_is_the_lambda_invoke_response():
    out = run(invoke(), {"amount": 3}, effects=FixedIds({ARN: charge}))
    assert out == expected_response({"charged": 3}, len('{"charged":3}'))


def test_output_path_payload_gives_the_function_result():
    out = run(invoke(OutputPath="$.Payload"), {"amount": 7}, effects=FixedIds({ARN: charge}))
    assert out == {"charged": 7}


def test_result_selector_and_result_path_see_the_response():
    machine = invoke(ResultSelector={"value.$": "$.Payload.charged"}, ResultPath="$.result")
    out = run(machine, {"amount": 2}, {ARN: charge})
    assert out == {"amount": 2, "result": {"value": 2}}


@pytest.mark.parametrize(
    "function",
    [
        "charge",
        "charge:prod",
        "charge:7",
        ARN,
        ARN + ":prod",
        ARN + ":$LATEST",
        "123456789012:function:charge",
        "arn:aws:lambda:eu-west-1:999999999999:function:charge",
    ],
)
def test_function_name_forms_find_the_mapped_function(function):
    for key in (ARN, "charge"):
        out = run(invoke(function, OutputPath="$.Payload"), {"amount": 1}, {key: charge})
        assert out == {"charged": 1}


def test_exact_key_is_preferred_over_the_unqualified_one():
    resources = {ARN: charge, ARN + ":prod": lambda p: "prod"}
    assert run(invoke(ARN + ":prod", OutputPath="$.Payload"), {}, resources) == "prod"


def test_payload_may_be_absent_and_result_null():
    machine = invoke(OutputPath="$.Payload")
    machine["States"]["Call"]["Parameters"] = {"FunctionName": "f"}
    seen = []
    assert run(machine, {"x": 1}, {"f": lambda p: seen.append(p)}) is None
    assert seen == [None]


def test_jsonata_arguments_and_output():
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": ARN, "Payload": {"amount": "{% $states.input.n %}"}},
                "Output": "{% $states.result.Payload %}",
                "End": True,
            }
        },
    }
    assert run(machine, {"n": 4}, {ARN: charge}) == {"charged": 4}


def caught(machine: dict[str, Any]) -> dict[str, Any]:
    machine["States"]["Call"].pop("End")
    machine["States"]["Call"]["Next"] = "Done"
    machine["States"]["Call"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Done"}]
    machine["States"]["Done"] = {"Type": "Pass", "End": True}
    return machine


def test_function_exception_is_its_error_type_with_the_lambda_error_cause():
    def boom(payload):
        raise ValueError("Some exception was raised.")

    out = run(caught(invoke()), {}, effects=FixedIds({"charge": boom}))
    assert out["Error"] == "ValueError"
    cause = json.loads(out["Cause"])
    assert list(cause) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert cause["errorMessage"] == "Some exception was raised."
    assert cause["errorType"] == "ValueError"
    assert cause["requestId"] == REQUEST
    assert len(cause["stackTrace"]) == 1
    assert cause["stackTrace"][0].endswith(
        ', in boom\n    raise ValueError("Some exception was raised.")\n'
    )
    assert out["Cause"] == json.dumps(cause, separators=(",", ":"))


def test_custom_exception_class_name_is_the_error_retry_and_catch_match_it():
    class CustomError(Exception):
        pass

    calls = []

    def flaky(payload):
        calls.append(1)
        raise CustomError("no")

    machine = caught(invoke(Retry=[{"ErrorEquals": ["CustomError"], "MaxAttempts": 2}]))
    out = run(machine, {}, {"charge": flaky})
    assert (out["Error"], json.loads(out["Cause"])["errorType"]) == ("CustomError", "CustomError")
    assert len(calls) == 3


def test_task_error_keeps_its_error_and_cause():
    def declined(payload):
        raise TaskError("Declined", "card declined")

    out = run(caught(invoke()), {}, {"charge": declined})
    assert out == {"Error": "Declined", "Cause": "card declined"}


def test_dynamic_function_name_not_mapped_is_resource_not_found():
    machine = caught(invoke())
    machine["States"]["Call"]["Parameters"] = {"FunctionName.$": "$.fn", "Payload": {}}
    out = run(machine, {"fn": "nope"}, {"charge": charge})
    assert out["Error"] == "Lambda.ResourceNotFoundException"
    assert out["Cause"].startswith(
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope (Service: "
        "AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: "
    )
    assert out["Cause"].endswith("; Proxy: null)")


def test_dynamic_function_name_that_is_mapped_runs():
    machine = invoke(OutputPath="$.Payload")
    machine["States"]["Call"]["Parameters"] = {"FunctionName.$": "$.fn", "Payload": {"amount": 5}}
    assert run(machine, {"fn": ARN}, {"charge": charge}) == {"charged": 5}


def test_bare_function_arn_resource_still_returns_the_plain_result():
    machine = {"StartAt": "C", "States": {"C": {"Type": "Task", "Resource": ARN, "End": True}}}
    assert run(machine, {"amount": 9}, {ARN: charge}) == {"charged": 9}


def test_mapping_the_integration_itself_hands_it_the_parameters():
    seen = []

    def whole(parameters):
        seen.append(parameters)
        return "raw"

    resources = {"arn:aws:states:::lambda:invoke": whole}
    assert run(invoke(), {"amount": 1}, resources) == "raw"
    assert seen == [{"FunctionName": "charge", "Payload": {"amount": 1}}]


def test_other_integration_runs_its_mapped_base_for_sync():
    machine = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Task",
                "Resource": "arn:aws:states:::ecs:runTask.sync",
                "Parameters": {"Cluster": "c"},
                "End": True,
            }
        },
    }
    assert run(machine, {}, {"arn:aws:states:::ecs:runTask": lambda p: {"ran": p}}) == {
        "ran": {"Cluster": "c"}
    }


# -- test_state ------------------------------------------------------------------------------

STATE = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
    "End": True,
}


def test_test_state_mock_replaces_the_whole_service_response():
    out = test_state(STATE, {"amount": 1}, mock={"result": {"Payload": 2}}, inspection_level="INFO")
    assert out == {"status": "SUCCEEDED", "output": {"Payload": 2}}


def test_test_state_without_mock_invokes_the_mapped_function():
    out = test_state(STATE, {"amount": 1}, resources={"charge": charge}, inspection_level="INFO")
    assert out["status"] == "SUCCEEDED"
    assert out["output"]["Payload"] == {"charged": 1}
    assert out["output"]["StatusCode"] == 200


# -- registration ----------------------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path):
    made = podium.App("integrations", database_url=f"sqlite:///{tmp_path / 'p.db'}")
    yield made
    made.close()


def test_static_function_name_must_be_mapped(app):
    with pytest.raises(DefinitionError) as info:
        app.asl_workflow("m", invoke("refund"), {ARN: charge})
    assert [(d["code"], d["location"]) for d in info.value.diagnostics] == [
        ("UNMAPPED_FUNCTION", "/States/Call/Parameters/FunctionName")
    ]
    assert "'refund'" in info.value.diagnostics[0]["message"]


def test_function_name_is_required(app):
    machine = invoke()
    machine["States"]["Call"]["Parameters"] = {"Payload.$": "$"}
    with pytest.raises(DefinitionError) as info:
        app.asl_workflow("m", machine, {ARN: charge})
    assert [(d["code"], d["location"]) for d in info.value.diagnostics] == [
        ("MISSING_FIELD", "/States/Call/Parameters")
    ]


def test_dynamic_function_names_and_mapped_ones_register(app):
    dynamic = invoke()
    dynamic["States"]["Call"]["Parameters"] = {"FunctionName.$": "$.fn"}
    assert app.asl_workflow("dynamic", dynamic, {}).name == "dynamic"
    assert app.asl_workflow("static", invoke("charge:prod"), {ARN: charge}).name == "static"


def test_unmapped_integration_and_plain_resources_are_reported(app):
    machine = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Next": "B"},
            "B": {"Type": "Task", "Resource": "plain", "End": True},
        },
    }
    with pytest.raises(DefinitionError) as info:
        app.asl_workflow("m", machine, {})
    assert [(d["code"], d["location"]) for d in info.value.diagnostics] == [
        ("UNMAPPED_RESOURCE", "/States/A/Resource"),
        ("UNMAPPED_RESOURCE", "/States/B/Resource"),
    ]


def test_workflow_invokes_once_across_a_replay_and_keeps_the_response(tmp_path: Path):
    calls = []

    def count(payload):
        calls.append(payload)
        return {"n": len(calls)}

    machine = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "count", "Payload.$": "$"},
                "ResultPath": "$.r",
                "Next": "Wait",
            },
            # Longer than suspend_grace: the workflow suspends and replays from the top.
            "Wait": {"Type": "Wait", "Seconds": 1, "End": True},
        },
    }
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with podium.App("replay", database_url=url, suspend_grace=0.2, poll_interval=0.02) as app:
        wf = app.asl_workflow("counting", machine, {"count": count})
        out = app.run(wf, {"a": 1})
    assert calls == [{"a": 1}]
    response = out["r"]
    assert (out["a"], response["Payload"], response["StatusCode"]) == (1, {"n": 1}, 200)
    request = response["SdkResponseMetadata"]["RequestId"]
    assert response["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"] == request


# -- states:startExecution -------------------------------------------------------------------

CHILD_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:Child"
CHILD = {
    "StartAt": "P",
    "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}},
}
FAILING = {
    "StartAt": "F",
    "States": {"F": {"Type": "Fail", "Error": "SomeFailure", "Cause": "it failed"}},
}


def starter(resource: str, **params: Any) -> dict[str, Any]:
    task = {
        "Type": "Task",
        "Resource": f"arn:aws:states:::states:{resource}",
        "Parameters": {"StateMachineArn": CHILD_ARN, **params},
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
        "End": True,
    }
    return {"StartAt": "Start", "States": {"Start": task, "Caught": {"Type": "Pass", "End": True}}}


def run_parent(tmp_path: Path, parent: dict[str, Any], child: dict[str, Any], value: Any) -> Any:
    url = f"sqlite:///{tmp_path / 'exec.db'}"
    with podium.App("exec", database_url=url, poll_interval=0.02, suspend_grace=0.2) as app:
        app.asl_workflow("Child", child)
        wf = app.asl_workflow("Parent", parent)
        with app.worker():
            return app.start(wf, value).result(timeout=20)


def without_dates(described: dict[str, Any]) -> dict[str, Any]:
    start, stop = described.pop("StartDate"), described.pop("StopDate")
    assert isinstance(start, int) and isinstance(stop, int) and stop >= start
    return described


def test_start_execution_sync2_waits_and_gives_the_output_as_json(tmp_path):
    parent = starter("startExecution.sync:2", Name="TestStartTarget", **{"Input.$": "$"})
    out = run_parent(tmp_path, parent, CHILD, {"x": 1})
    assert without_dates(out) == {
        "ExecutionArn": "arn:aws:states:us-east-1:000000000000:execution:Child:TestStartTarget",
        "Input": {"x": 1},
        "InputDetails": {"Included": True},
        "Name": "TestStartTarget",
        "Output": {"Arg1": "argument1"},
        "OutputDetails": {"Included": True},
        "StateMachineArn": CHILD_ARN,
        "Status": "SUCCEEDED",
    }


def test_start_execution_sync_gives_input_and_output_as_json_text(tmp_path):
    out = run_parent(tmp_path, starter("startExecution.sync", Input=None), CHILD, {})
    assert (out["Input"], out["Output"]) == ("{}", '{"Arg1":"argument1"}')
    assert out["Status"] == "SUCCEEDED"


def test_start_execution_without_waiting_returns_the_start_response(tmp_path):
    out = run_parent(tmp_path, starter("startExecution", Input='{"a": 1}'), CHILD, {})
    assert list(out) == ["ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"]
    assert out["ExecutionArn"].startswith("arn:aws:states:us-east-1:000000000000:execution:Child:")
    assert out["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert isinstance(out["StartDate"], int)


def test_failed_child_fails_the_task_with_its_description(tmp_path):
    out = run_parent(tmp_path, starter("startExecution.sync", Name="T"), FAILING, {})
    assert out["Error"] == "States.TaskFailed"
    cause = json.loads(out["Cause"])
    assert without_dates(cause) == {
        "Cause": "it failed",
        "Error": "SomeFailure",
        "ExecutionArn": "arn:aws:states:us-east-1:000000000000:execution:Child:T",
        "Input": "{}",
        "InputDetails": {"Included": True},
        "Name": "T",
        "StateMachineArn": CHILD_ARN,
        "Status": "FAILED",
    }


def test_unknown_state_machine_does_not_exist(tmp_path):
    parent = starter("startExecution.sync:2")
    parent["States"]["Start"]["Parameters"]["StateMachineArn"] += "Missing"
    out = run_parent(tmp_path, parent, CHILD, {})
    assert out["Error"] == "StepFunctions.StateMachineDoesNotExistException"
    assert out["Cause"].startswith(f"State Machine Does Not Exist: '{CHILD_ARN}Missing'")


def test_start_execution_outside_a_workflow_does_not_exist():
    out = run(starter("startExecution.sync:2"), {})
    assert out["Error"] == "StepFunctions.StateMachineDoesNotExistException"
