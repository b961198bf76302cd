"""Parallel states as the AWS documentation and the States Language specification describe them."""

from typing import Any

import pytest

from podium.asl import TaskError, errors

from .helpers import FakeEffects, run, single

ADDRESS = "arn:aws:lambda:us-east-1:123456789012:function:AddressFinder"
PHONE = "arn:aws:lambda:us-east-1:123456789012:function:PhoneFinder"


def task_branch(name: str, resource: str) -> dict[str, Any]:
    return {"StartAt": name, "States": {name: {"Type": "Task", "Resource": resource, "End": True}}}


def lookup_customer_info(**fields: Any) -> dict[str, Any]:
    return {
        "Type": "Parallel",
        "Branches": [task_branch("LookupAddress", ADDRESS), task_branch("LookupPhone", PHONE)],
        **fields,
    }


RESOURCES = {
    ADDRESS: lambda customer: {"address": f"1 Main St ({customer['id']})"},
    PHONE: lambda customer: {"phone": "555-0100"},
}


def test_spec_example_output_is_the_branch_outputs_in_branch_order():
    out = single(lookup_customer_info(), {"id": 7}, RESOURCES)
    assert out == [{"address": "1 Main St (7)"}, {"phone": "555-0100"}]


def test_every_branch_gets_the_same_effective_input_and_result_path_merges():
    state = lookup_customer_info(
        InputPath="$.customer",
        Parameters={"id.$": "$.number"},
        ResultSelector={"address.$": "$[0].address", "phone.$": "$[1].phone"},
        ResultPath="$.contact",
    )
    assert single(state, {"customer": {"number": 3}}, RESOURCES) == {
        "customer": {"number": 3},
        "contact": {"address": "1 Main St (3)", "phone": "555-0100"},
    }


def test_branches_with_several_states_keep_branch_order():
    branches = [
        {
            "StartAt": "A1",
            "States": {
                "A1": {"Type": "Pass", "Result": "a", "ResultPath": "$.x", "Next": "A2"},
                "A2": {"Type": "Pass", "OutputPath": "$.x", "End": True},
            },
        },
        {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}},
        {"StartAt": "C", "States": {"C": {"Type": "Pass", "Result": 3, "End": True}}},
    ]
    assert single({"Type": "Parallel", "Branches": branches}, {"in": 1}) == [
        "a",
        {"in": 1},
        3,
    ]


def test_a_failing_branch_fails_the_parallel_with_the_branch_error():
    branches = [
        {"StartAt": "OK", "States": {"OK": {"Type": "Pass", "End": True}}},
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "FailureType", "Cause": "c"}}},
    ]
    with pytest.raises(errors.ASLError) as info:
        single({"Type": "Parallel", "Branches": branches}, {})
    assert (info.value.error, info.value.cause) == ("FailureType", "c")


def test_a_task_error_in_a_branch_keeps_its_name():
    def boom(_: Any) -> Any:
        raise TaskError("Declined", "card declined")

    state = {"Type": "Parallel", "Branches": [task_branch("T", "boom")]}
    with pytest.raises(errors.ASLError) as info:
        single(state, {}, {"boom": boom})
    assert (info.value.error, info.value.cause) == ("Declined", "card declined")


def test_catch_on_the_parallel_handles_a_branch_failure():
    machine = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "F",
                        "States": {"F": {"Type": "Fail", "Error": "E1", "Cause": "why"}},
                    }
                ],
                "Catch": [{"ErrorEquals": ["E1"], "ResultPath": "$.error", "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }
    assert run(machine, {"a": 1}) == {"a": 1, "error": {"Error": "E1", "Cause": "why"}}


def test_retry_on_the_parallel_reruns_every_branch():
    calls: list[str] = []

    def flaky(_: Any) -> str:
        calls.append("flaky")
        if calls.count("flaky") < 2:
            raise TaskError("Flaky", "try again")
        return "done"

    def steady(_: Any) -> str:
        calls.append("steady")
        return "ok"

    state = {
        "Type": "Parallel",
        "Branches": [task_branch("S", "steady"), task_branch("F", "flaky")],
        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 2}],
    }
    effects = FakeEffects({"steady": steady, "flaky": flaky})
    machine = {"StartAt": "S", "States": {"S": {**state, "End": True}}}
    assert run(machine, {}, effects=effects) == ["ok", "done"]
    assert calls == ["steady", "flaky", "steady", "flaky"]
    assert effects.sleeps == [2.0]


def test_branches_read_the_outer_variables():
    branch = {
        "StartAt": "B",
        "States": {
            "B": {
                "Type": "Pass",
                "Parameters": {"seen.$": "$v"},
                "Assign": {"local": "inner"},
                "End": True,
            }
        },
    }
    machine = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"v": "outer"}, "Next": "P"},
            "P": {"Type": "Parallel", "Branches": [branch, branch], "Next": "E"},
            "E": {"Type": "Pass", "Parameters": {"out.$": "$", "v.$": "$v"}, "End": True},
        },
    }
    assert run(machine, {}) == {"out": [{"seen": "outer"}, {"seen": "outer"}], "v": "outer"}


def test_branch_states_see_their_own_state_in_the_context():
    branch = {
        "StartAt": "Inner",
        "States": {
            "Inner": {
                "Type": "Pass",
                "Parameters": {"state.$": "$$.State.Name", "execution.$": "$$.Execution.Name"},
                "End": True,
            }
        },
    }
    out = single({"Type": "Parallel", "Branches": [branch]}, {})
    assert out == [{"state": "Inner", "execution": "exec-1"}]


def test_jsonata_parallel_arguments_output_and_assign():
    branch = {
        "StartAt": "B",
        "States": {"B": {"Type": "Pass", "Output": "{% $states.input.n * 2 %}", "End": True}},
    }
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Arguments": {"n": "{% $states.input.k + 1 %}"},
                "Branches": [branch, branch],
                "Assign": {"total": "{% $sum($states.result) %}"},
                "Output": {"results": "{% $states.result %}"},
                "Next": "E",
            },
            "E": {
                "Type": "Pass",
                "Output": {"r": "{% $states.input.results %}", "t": "{% $total %}"},
                "End": True,
            },
        },
    }
    assert run(machine, {"k": 1}) == {"r": [4, 4], "t": 8}


def test_a_map_inside_a_parallel_branch():
    branch = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.xs",
                "ItemSelector": {"i.$": "$$.Map.Item.Index"},
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    assert single({"Type": "Parallel", "Branches": [branch]}, {"xs": ["a", "b"]}) == [
        [{"i": 0}, {"i": 1}]
    ]
