"""Fail, Pass, Wait, the context object and comments, as Step Functions recorded them.

Each case mirrors an execution recorded against AWS (localstack's v2/base, v2/context_object
and v2/comments snapshots); the machines here are small rewrites exercising the same behaviour.
"""

from typing import Any

import pytest

from podium.asl import errors

from .helpers import run


def machine(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """States chained in the order given; the last one ends the machine."""
    out: dict[str, Any] = {}
    for index, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Fail", "Succeed", "Choice"):
            if index + 1 < len(states):
                state["Next"] = states[index + 1][0]
            else:
                state["End"] = True
        out[name] = state
    return {"StartAt": states[0][0], "States": out}


def failure(definition: dict[str, Any], value: Any) -> tuple[str | None, str]:
    with pytest.raises(errors.ASLError) as info:
        run(definition, value)
    return info.value.error, info.value.cause


def test_fail_error_and_cause_paths_read_the_input():
    fail = {"Type": "Fail", "ErrorPath": "$.Error", "CausePath": "$.Cause"}
    value = {"Error": "error string", "Cause": "cause string"}
    assert failure(machine(("F", fail)), value) == ("error string", "cause string")


def test_fail_paths_may_be_intrinsic_functions():
    fail = {
        "Type": "Fail",
        "ErrorPath": "States.Format('{}', $.Error)",
        "CausePath": "States.Format('Custom message for {}, caused by {}.', $.Error, $.Cause)",
    }
    value = {"Error": "error string", "Cause": "cause string"}
    assert failure(machine(("F", fail)), value) == (
        "error string",
        "Custom message for error string, caused by cause string.",
    )


def test_fail_paths_may_read_the_context_object():
    fail = {"Type": "Fail", "ErrorPath": "$$.State.Name", "CausePath": "$$.StateMachine.Name"}
    assert failure(machine(("Stop", fail)), {}) == ("Stop", "Machine")


def test_a_fail_without_error_or_cause_fails_with_neither():
    assert failure(machine(("F", {"Type": "Fail"})), {}) == (None, "")


def test_a_missing_error_path_is_a_runtime_error_naming_the_field():
    pass_ = {"Type": "Pass", "Parameters": {"Error": "error-value"}}
    fail = {"Type": "Fail", "ErrorPath": "$.ErrorX"}
    assert failure(machine(("P", pass_), ("F", fail)), {}) == (
        "States.Runtime",
        "The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in "
        'the input \'{"Error":"error-value"}\'',
    )


def test_dollar_keys_inside_a_pass_result_are_not_paths():
    result = {"unsupported1.$": "$.jsonpath", "unsupported2.$": "$$"}
    assert run(machine(("P", {"Type": "Pass", "Result": result})), {}) == result


def test_null_input_path_gives_an_empty_object_and_null_output_path_too():
    first = {"Type": "Pass", "Parameters": {"Arg1": "argument1", "FromInput.$": "$"}}
    second = {"Type": "Pass", "InputPath": None, "Parameters": {"Arg2": "a2", "FromInput.$": "$"}}
    definition = machine(("A", first), ("B", second))
    assert run(definition, {"InputValue": 0}) == {"Arg2": "a2", "FromInput": {}}
    last = {"Type": "Pass", "OutputPath": None}
    assert run(machine(("A", first), ("B", second), ("C", last)), {"InputValue": 0}) == {}


def test_a_filter_expression_selects_the_matching_elements():
    pass_ = {"Type": "Pass", "Parameters": {"FromInput.$": "$.users[?(@.status == 0)]"}}
    value = {"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]}
    assert run(machine(("P", pass_)), value) == {"FromInput": [{"year": 1997, "status": 0}]}


def test_a_pass_state_context_object_has_no_retry_count():
    pass_ = {"Type": "Pass", "Parameters": {"state.$": "$$.State", "keys.$": "$$"}}
    out = run(machine(("Query", pass_)), {"message": "m"})
    assert sorted(out["state"]) == ["EnteredTime", "Name"]
    assert out["state"]["Name"] == "Query"
    assert sorted(out["keys"]) == ["Execution", "State", "StateMachine"]
    assert sorted(out["keys"]["Execution"]) == [
        "Id",
        "Input",
        "Name",
        "RedriveCount",
        "RoleArn",
        "StartTime",
    ]


@pytest.mark.parametrize("field", ["InputPath", "OutputPath"])
def test_input_and_output_paths_may_name_the_execution_input(field):
    definition = machine(("P", {"Type": "Pass", field: "$$.Execution.Input"}))
    assert run(definition, {"input-value": 0}) == {"input-value": 0}


def test_a_choice_variable_may_read_the_context_object():
    choice = {
        "Type": "Choice",
        "Choices": [
            {
                "Variable": "$$.Execution.Input.input-value",
                "NumericLessThanEquals": 0,
                "Next": "Matched",
            }
        ],
        "Default": "Other",
    }
    definition = {
        "StartAt": "C",
        "States": {
            "C": choice,
            "Matched": {"Type": "Pass", "Result": "matched", "End": True},
            "Other": {"Type": "Pass", "Result": "other", "End": True},
        },
    }
    assert run(definition, {"input-value": 0}) == "matched"


def test_items_path_may_read_the_context_object():
    map_ = {
        "Type": "Map",
        "ItemsPath": "$$.Execution.Input.input-values",
        "MaxConcurrency": 1,
        "ItemProcessor": {"StartAt": "H", "States": {"H": {"Type": "Pass", "End": True}}},
    }
    assert run(machine(("M", map_)), {"input-values": ["item-0"]}) == ["item-0"]


def test_comment_fields_are_ignored_but_comment_keys_in_parameters_are_kept():
    params = {"Comment": "Comment text", "comment": "comment text", "constant": "c"}
    definition = machine(("P", {"Type": "Pass", "Comment": "x", "Parameters": params}))
    definition["Comment"] = "a machine"
    assert run(definition, {}) == params


def test_comments_everywhere_do_not_change_a_retry_loop():
    task = {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
        "Comment": "c",
        "Next": "IsComplete",
        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Failed", "Comment": "c"}],
        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "Comment": "c"}],
    }
    rule = {"Variable": "$.status", "StringEquals": "complete", "Comment": "c"}
    definition = {
        "Comment": "retry until complete",
        "StartAt": "Setup",
        "States": {
            "Setup": {"Type": "Pass", "Result": {"status": "incomplete"}, "Next": "Work"},
            "Work": task,
            "IsComplete": {
                "Type": "Choice",
                "Comment": "c",
                "Choices": [{"And": [rule], "Comment": "c", "Next": "Done"}],
                "Default": "Wait",
            },
            "Wait": {"Type": "Wait", "Seconds": 5, "Comment": "c", "Next": "Correct"},
            "Correct": {"Type": "Pass", "Result": {"status": "complete"}, "Next": "Work"},
            "Done": {"Type": "Succeed", "Comment": "c"},
            "Failed": {"Type": "Fail", "Error": "TaskFailed", "Comment": "c"},
        },
    }
    echo = {"arn:aws:lambda:us-east-1:123456789012:function:echo": lambda event: event}
    assert run(definition, {}, echo) == {"status": "complete"}


@pytest.mark.parametrize("suffix", ["Z", ".000000Z", ".00Z", ".0000000Z"])
def test_timestamp_path_accepts_utc_times_with_any_fraction(suffix):
    definition = machine(("W", {"Type": "Wait", "TimestampPath": "$.start_at"}))
    value = {"start_at": f"2024-01-01T11:00:00{suffix}"}
    assert run(definition, value) == value


@pytest.mark.parametrize("suffix", ["", ".000000", ".000"])
def test_timestamp_path_without_a_zone_is_a_runtime_error(suffix):
    definition = machine(("W", {"Type": "Wait", "TimestampPath": "$.start_at"}))
    stamp = f"2024-01-01T11:00:00{suffix}"
    assert failure(definition, {"start_at": stamp}) == (
        "States.Runtime",
        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
        f"date-time format string: $.start_at == {stamp}",
    )


@pytest.mark.parametrize(
    ("seconds", "cause"),
    [
        (-1, "references a negative value: $.input.waitSeconds == -1"),
        (-1.5, "cannot be parsed as a long value: $.input.waitSeconds == -1.5"),
        (1.5, "cannot be parsed as a long value: $.input.waitSeconds == 1.5"),
    ],
)
def test_bad_seconds_path_values(seconds, cause):
    definition = machine(("W", {"Type": "Wait", "SecondsPath": "$.input.waitSeconds"}))
    value = {"input": {"waitSeconds": seconds}}
    assert failure(definition, value) == ("States.Runtime", f"The SecondsPath parameter {cause}")


@pytest.mark.parametrize("seconds", [0, 1])
def test_whole_seconds_path_values_wait(seconds):
    definition = machine(("W", {"Type": "Wait", "SecondsPath": "$.input.waitSeconds"}))
    value = {"input": {"waitSeconds": seconds}}
    assert run(definition, value) == value
