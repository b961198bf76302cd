"""Catch, predefined error names and timeouts as AWS Step Functions documents them."""

import time

import pytest

import podium
from podium import errors as podium_errors
from podium.asl import DefinitionError, TaskError, errors, validate

from .helpers import run

HELLO = "Hello, AWS Step Functions!"


def fail_function(payload):
    """The guide's FailFunction, reporting the error name HandledError."""
    raise TaskError("HandledError", "error")


def hello_world(catch):
    return {
        "StartAt": "HelloWorld",
        "States": {
            "HelloWorld": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:FailFunction",
                "Catch": catch,
                "End": True,
            },
            "fallback": {"Type": "Pass", "Result": HELLO, "End": True},
        },
    }


RESOURCES = {"arn:aws:lambda:us-east-1:123456789012:function:FailFunction": fail_function}


@pytest.mark.parametrize("name", ["HandledError", "States.TaskFailed", "States.ALL"])
def test_handling_a_failure_using_catch(name):
    definition = hello_world([{"ErrorEquals": [name], "Next": "fallback"}])
    assert run(definition, {}, RESOURCES) == HELLO


def test_catcher_result_path_adds_the_error_output_to_the_input():
    definition = hello_world(
        [
            {"ErrorEquals": ["java.lang.Exception"], "ResultPath": "$.error-info", "Next": "R"},
            {"ErrorEquals": ["States.ALL"], "Next": "End"},
        ]
    )
    definition["States"].pop("fallback")
    definition["States"]["R"] = {"Type": "Pass", "End": True}
    definition["States"]["End"] = {"Type": "Pass", "End": True}

    def java(payload):
        raise TaskError("java.lang.Exception", "boom")

    resources = {"arn:aws:lambda:us-east-1:123456789012:function:FailFunction": java}
    assert run(definition, {"order": 7}, resources) == {
        "order": 7,
        "error-info": {"Error": "java.lang.Exception", "Cause": "boom"},
    }
    # The second catcher has no ResultPath: the error output replaces the input.
    assert run(definition, {"order": 7}, RESOURCES) == {"Error": "HandledError", "Cause": "error"}


def test_first_matching_catcher_wins():
    definition = hello_world(
        [
            {"ErrorEquals": ["Other"], "Next": "fallback"},
            {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.first", "Next": "Second"},
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.last", "Next": "Second"},
        ]
    )
    definition["States"]["Second"] = {"Type": "Pass", "End": True}
    out = run(definition, {}, RESOURCES)
    assert out == {"first": {"Error": "HandledError", "Cause": "error"}}


def test_task_failed_does_not_catch_timeouts_but_all_does():
    def late(payload):
        raise podium_errors.StepTimeout("late", 2)

    resources = {"arn:aws:lambda:us-east-1:123456789012:function:FailFunction": late}
    only_task_failed = hello_world([{"ErrorEquals": ["States.TaskFailed"], "Next": "fallback"}])
    with pytest.raises(errors.ASLError) as info:
        run(only_task_failed, {}, resources)
    assert (info.value.error, info.value.cause) == ("States.Timeout", "")
    timeout = hello_world(
        [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.t", "Next": "fallback"}]
    )
    timeout["States"]["fallback"] = {"Type": "Pass", "End": True}
    assert run(timeout, {"a": 1}, resources) == {
        "a": 1,
        "t": {"Error": "States.Timeout", "Cause": ""},
    }


@pytest.mark.parametrize("name", ["States.Runtime"])
def test_terminal_errors_are_not_caught_by_states_all(name):
    def terminal(payload):
        raise TaskError(name, "terminal")

    resources = {"arn:aws:lambda:us-east-1:123456789012:function:FailFunction": terminal}
    definition = hello_world([{"ErrorEquals": ["States.ALL"], "Next": "fallback"}])
    with pytest.raises(errors.ASLError) as info:
        run(definition, {}, resources)
    assert info.value.error == name


def test_task_failed_matches_error_names_raised_by_code_only():
    assert errors.matches(["States.TaskFailed"], "HandledError")
    assert errors.matches(["States.TaskFailed"], "Lambda.Unknown")
    assert errors.matches(["States.TaskFailed"], "States.TaskFailed")
    assert not errors.matches(["States.TaskFailed"], "States.Timeout")
    assert not errors.matches(["States.TaskFailed"], "States.BranchFailed")
    assert errors.matches(["States.ALL"], "States.ResultPathMatchFailure")
    # Recorded against AWS: a Task's oversized result is caught by States.ALL.
    assert errors.matches(["States.ALL"], "States.DataLimitExceeded")


def test_jsonata_catcher_output_and_assign_see_the_error_output():
    definition = hello_world(
        [
            {
                "ErrorEquals": ["States.ALL"],
                "Output": "{% $states.errorOutput.Cause & ' (' & $states.input.id & ')' %}",
                "Assign": {"failedWith": "{% $states.errorOutput.Error %}"},
                "Next": "Report",
            }
        ]
    )
    definition["QueryLanguage"] = "JSONata"
    definition["States"].pop("fallback")
    definition["States"]["Report"] = {
        "Type": "Pass",
        "Output": {"message": "{% $states.input %}", "error": "{% $failedWith %}"},
        "End": True,
    }
    assert run(definition, {"id": "o-1"}, RESOURCES) == {
        "message": "error (o-1)",
        "error": "HandledError",
    }


def branch(state):
    return {"StartAt": "B", "States": {"B": state}}


def test_catch_on_parallel_gets_the_branch_error():
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    branch({"Type": "Pass", "End": True}),
                    branch({"Type": "Fail", "Error": "BranchBoom", "Cause": "inner cause"}),
                ],
                "Catch": [{"ErrorEquals": ["BranchBoom"], "ResultPath": "$.error", "Next": "H"}],
                "End": True,
            },
            "H": {"Type": "Pass", "End": True},
        },
    }
    assert run(definition, {"in": 1}) == {
        "in": 1,
        "error": {"Error": "BranchBoom", "Cause": "inner cause"},
    }


def test_runtime_error_in_a_branch_is_not_caught_by_the_parallel():
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [branch({"Type": "Pass", "InputPath": "$.missing", "End": True})],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}],
                "End": True,
            },
            "H": {"Type": "Pass", "End": True},
        },
    }
    with pytest.raises(errors.ASLError) as info:
        run(definition, {})
    assert info.value.error == "States.Runtime"


def test_heartbeat_must_be_smaller_than_timeout():
    state = {"Type": "Task", "Resource": "r", "TimeoutSeconds": 10, "HeartbeatSeconds": 10}
    problems = validate({"StartAt": "T", "States": {"T": {**state, "End": True}}})
    assert [(p["code"], p["location"]) for p in problems] == [
        ("INVALID_VALUE", "/States/T/HeartbeatSeconds")
    ]
    state["HeartbeatSeconds"] = 9
    assert validate({"StartAt": "T", "States": {"T": {**state, "End": True}}}) == []


def test_catch_on_map_gets_the_item_error():
    def check(item):
        if item < 0:
            raise ValueError(f"negative item {item}")
        return item

    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": branch({"Type": "Task", "Resource": "check", "End": True}),
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "H"}],
                "End": True,
            },
            "H": {"Type": "Pass", "End": True},
        },
    }
    assert run(definition, [1, 2], {"check": check}) == [1, 2]
    assert run(definition, [1, -2], {"check": check}) == {
        "Error": "ValueError",
        "Cause": "negative item -2",
    }


def test_fail_state_error_and_cause_end_the_execution():
    definition = {
        "StartAt": "F",
        "States": {"F": {"Type": "Fail", "Error": "ErrorA", "Cause": "Kaiju attack"}},
    }
    with pytest.raises(errors.ASLError) as info:
        run(definition, {})
    assert (info.value.error, info.value.cause) == ("ErrorA", "Kaiju attack")


def test_fail_state_error_and_cause_paths():
    definition = {
        "StartAt": "F",
        "States": {"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}},
    }
    with pytest.raises(errors.ASLError) as info:
        run(definition, {"e": "Custom", "c": "from input"})
    assert (info.value.error, info.value.cause) == ("Custom", "from input")


def test_invalid_timeout_seconds_path_is_a_runtime_error():
    definition = {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "r", "TimeoutSecondsPath": "$.t", "End": True}
        },
    }
    with pytest.raises(errors.ASLError) as info:
        run(definition, {"t": "soon"}, {"r": lambda p: p})
    assert info.value.error == "States.Runtime"
    assert run(definition, {"t": 5}, {"r": lambda p: p}) == {"t": 5}


def test_jsonata_timeout_seconds_must_be_a_positive_integer():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "r",
                "TimeoutSeconds": "{% $states.input.t %}",
                "End": True,
            }
        },
    }
    with pytest.raises(errors.ASLError) as info:
        run(definition, {"t": -1}, {"r": lambda p: p})
    assert info.value.error == "States.QueryEvaluationError"


def test_task_error_names_its_class_after_the_error():
    exc = TaskError("Declined", "card declined")
    assert isinstance(exc, TaskError)
    assert type(exc) is errors.error_class("Declined")
    assert type(exc).__qualname__ == "Declined"
    assert (exc.error, exc.cause, str(exc)) == ("Declined", "card declined", "card declined")


def test_recorded_failures_keep_their_asl_names():
    replayed = podium_errors.StepFailed("charge", "Declined", "card declined")
    assert errors.from_exception(replayed) == ("Declined", "card declined")
    timed_out = podium_errors.StepFailed("charge", "StepTimeout", "too slow")
    assert errors.from_exception(timed_out) == ("States.Timeout", "")


# -- as podium workflows -------------------------------------------------------------------


@pytest.fixture
def app(tmp_path):
    app = podium.App(
        "asl-errors",
        database_url=f"sqlite:///{tmp_path / 'podium.db'}",
        lease_seconds=2,
        poll_interval=0.02,
        suspend_grace=0.2,
    )
    yield app
    app.close()


def test_workflow_failure_keeps_the_task_error_name_across_replay(app):
    # The 1 s retry interval suspends the workflow, so the failure is replayed from history.
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "r",
                "Retry": [{"ErrorEquals": ["Declined"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "End": True,
            }
        },
    }

    def charge(payload):
        raise TaskError("Declined", "card declined")

    wf = app.asl_workflow("declined", definition, {"r": charge})
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {})
    assert (info.value.error_type, info.value.message) == ("Declined", "card declined")


def test_workflow_failure_from_a_nested_parallel_branch(app):
    inner = {
        "Type": "Parallel",
        "Branches": [branch({"Type": "Fail", "Error": "Deep", "Cause": "in the inner branch"})],
        "End": True,
    }
    definition = {
        "StartAt": "Outer",
        "States": {"Outer": {"Type": "Parallel", "Branches": [branch(inner)], "End": True}},
    }
    wf = app.asl_workflow("nested", definition)
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {})
    assert (info.value.error_type, info.value.message) == ("Deep", "in the inner branch")


def test_task_timeout_seconds_is_a_catchable_states_timeout(app):
    def slow(payload):
        time.sleep(1.5)
        return "late"

    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "slow",
                "TimeoutSeconds": 1,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.err", "Next": "D"}],
                "End": True,
            },
            "D": {"Type": "Pass", "End": True},
        },
    }
    wf = app.asl_workflow("slow", definition, {"slow": slow})
    assert app.run(wf, {"a": 1}) == {"a": 1, "err": {"Error": "States.Timeout", "Cause": ""}}


def test_machine_timeout_seconds_fails_with_states_timeout(app):
    definition = {
        "TimeoutSeconds": 1,
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}},
    }
    wf = app.asl_workflow("too-long", definition)
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {})
    assert info.value.error_type == "States.Timeout"


def test_an_express_machine_refuses_a_callback_task_at_registration(app):
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken"}
    definition = {"StartAt": "T", "States": {"T": {**task, "End": True}}}
    resources = {"arn:aws:states:::lambda:invoke": lambda payload: payload}
    with pytest.raises(DefinitionError) as info:
        app.asl_workflow("express", definition, resources, machine_type="EXPRESS")
    assert [d["code"] for d in info.value.diagnostics] == ["UNSUPPORTED_INTEGRATION"]
    app.asl_workflow("standard", definition, resources)  # a STANDARD machine takes it


def test_a_fail_without_error_through_a_parallel_stays_unset_in_the_engine(app):
    # The engine names errors with strings: an unset error is recorded as "".
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [branch({"Type": "Fail"})], "End": True},
        },
    }
    wf = app.asl_workflow("unset", definition)
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {})
    assert (info.value.error_type, info.value.message) == ("", "")


def test_an_oversized_execution_input_fails_the_workflow(app):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    wf = app.asl_workflow("big-input", definition)
    with pytest.raises(podium.WorkflowFailed) as info:
        app.run(wf, {"s": "x" * 262144})
    assert info.value.error_type == "States.DataLimitExceeded"
