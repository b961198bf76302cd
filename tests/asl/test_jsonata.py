import pytest

from podium.asl import errors

from .helpers import run


def jsonata_machine(states, start="S"):
    return {"QueryLanguage": "JSONata", "StartAt": start, "States": states}


def test_arguments_output_and_states_variables():
    seen = []

    def price(args):
        seen.append(args)
        return {"total": args["qty"] * 2}

    machine = jsonata_machine(
        {
            "S": {
                "Type": "Task",
                "Resource": "r",
                "End": True,
                "Arguments": {"qty": "{% $states.input.qty %}", "static": 1},
                "Output": {
                    "total": "{% $states.result.total %}",
                    "from": "{% $states.input.who %}",
                    "state": "{% $states.context.State.Name %}",
                },
            }
        }
    )
    out = run(machine, {"qty": 3, "who": "me"}, {"r": price})
    assert out == {"total": 6, "from": "me", "state": "S"}
    assert seen == [{"qty": 3, "static": 1}]


def test_choice_condition_and_assign_variables():
    machine = jsonata_machine(
        {
            "Init": {
                "Type": "Pass",
                "Assign": {"count": 0, "limit": "{% $states.input.limit %}"},
                "Next": "Loop",
            },
            "Loop": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $count < $limit %}", "Next": "Inc"}],
                "Default": "Done",
            },
            "Inc": {"Type": "Pass", "Assign": {"count": "{% $count + 1 %}"}, "Next": "Loop"},
            "Done": {"Type": "Succeed", "Output": {"count": "{% $count %}"}},
        },
        start="Init",
    )
    assert run(machine, {"limit": 4}) == {"count": 4}


def test_output_sees_variables_before_assign():
    machine = jsonata_machine(
        {
            "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"},
            "B": {"Type": "Pass", "Assign": {"x": 2}, "Output": "{% $x %}", "End": True},
        },
        start="A",
    )
    assert run(machine, {}) == 1


def test_jsonpath_assign_and_variable_reference():
    machine = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"who.$": "$.name", "n": 2}, "Next": "B"},
            "B": {
                "Type": "Pass",
                "Parameters": {"hello.$": "$who", "f.$": "States.Format('{}!', $who)"},
                "End": True,
            },
        },
    }
    assert run(machine, {"name": "ann"}) == {"hello": "ann", "f": "ann!"}


def test_map_items_and_item_selector():
    machine = jsonata_machine(
        {
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.xs %}",
                "End": True,
                "ItemSelector": {
                    "v": "{% $states.context.Map.Item.Value * 10 %}",
                    "i": "{% $states.context.Map.Item.Index %}",
                },
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "Output": "{% $states.result.v %}",
            }
        },
        start="M",
    )
    assert run(machine, {"xs": [1, 2]}) == [10, 20]


def test_branch_variables_do_not_leak():
    machine = jsonata_machine(
        {
            "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "P"},
            "P": {
                "Type": "Parallel",
                "Next": "Z",
                "Branches": [
                    {
                        "StartAt": "B",
                        "States": {
                            "B": {
                                "Type": "Pass",
                                "Assign": {"x": 5},
                                "Output": "{% $x %}",
                                "Next": "C",
                            },
                            "C": {"Type": "Pass", "Output": "{% $x %}", "End": True},
                        },
                    }
                ],
            },
            "Z": {
                "Type": "Pass",
                "Output": {"inner": "{% $states.input %}", "outer": "{% $x %}"},
                "End": True,
            },
        },
        start="A",
    )
    assert run(machine, {}) == {"inner": [5], "outer": 1}


def test_catch_error_output():
    def boom(payload):
        raise errors.TaskError("Bad", "why")

    machine = jsonata_machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "r",
                "End": True,
                "Catch": [
                    {
                        "ErrorEquals": ["Bad"],
                        "Next": "H",
                        "Output": "{% $states.errorOutput.Cause %}",
                        "Assign": {"err": "{% $states.errorOutput.Error %}"},
                    }
                ],
            },
            "H": {
                "Type": "Pass",
                "Output": {"cause": "{% $states.input %}", "err": "{% $err %}"},
                "End": True,
            },
        },
        start="T",
    )
    assert run(machine, {}, {"r": boom}) == {"cause": "why", "err": "Bad"}


def test_fail_and_wait_expressions():
    machine = jsonata_machine(
        {
            "W": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "Next": "F"},
            "F": {
                "Type": "Fail",
                "Error": "{% 'E' & $states.input.s %}",
                "Cause": "{% $string($states.input) %}",
            },
        },
        start="W",
    )
    with pytest.raises(errors.ASLError) as info:
        run(machine, {"s": 2})
    assert (info.value.error, info.value.cause) == ("E2", '{"s":2}')


def test_per_state_query_language():
    machine = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Parameters": {"v.$": "$.x"}, "Next": "B"},
            "B": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.input.v + 1 %}",
                "End": True,
            },
        },
    }
    assert run(machine, {"x": 1}) == 2


def test_non_boolean_condition_fails():
    machine = jsonata_machine(
        {
            "C": {"Type": "Choice", "Choices": [{"Condition": "{% 1 %}", "Next": "E"}]},
            "E": {"Type": "Succeed"},
        },
        start="C",
    )
    with pytest.raises(errors.ASLError) as info:
        run(machine, {})
    assert info.value.error == "States.QueryEvaluationError"
