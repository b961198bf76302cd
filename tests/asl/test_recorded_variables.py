"""Workflow variables as executions recorded against AWS Step Functions showed them.

Each machine is a small one written for the behaviour; the expected outputs, variable values
and errors are the ones AWS produced for the same kind of machine. Variable values are read
back by a last JSONata Pass state whose Output lists them.
"""

from typing import Any

import pytest

from podium.asl import errors

from .helpers import run

FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:echo"
FAILING = "arn:aws:lambda:us-east-1:000000000000:function:broken"


def echo(payload):
    return payload


def broken(payload):
    raise Exception("Some exception was raised.")


def show(*names):
    """A JSONata Pass state whose output holds the named variables."""
    return {
        "QueryLanguage": "JSONata",
        "Type": "Pass",
        "Output": {name: "{% $" + name + " %}" for name in names},
        "End": True,
    }


def chain(*states, language=None):
    """A machine running `states` (dicts) in order, named S0, S1, ..."""
    out = {}
    for index, state in enumerate(states):
        state = dict(state)
        if index < len(states) - 1:
            state["Next"] = f"S{index + 1}"
        elif state["Type"] not in ("Choice", "Fail", "Succeed"):
            state.setdefault("End", True)
        out[f"S{index}"] = state
    machine = {"StartAt": "S0", "States": out}
    if language:
        machine["QueryLanguage"] = language
    return machine


def failure(definition, value=None, resources=None):
    with pytest.raises(errors.ASLError) as info:
        run(definition, value, resources)
    return info.value.error, info.value.cause


# --- JSONPath Assign --------------------------------------------------------------------


def test_jsonpath_assign_constants_are_stored_verbatim():
    literals: dict[str, Any] = {
        "n": None,
        "f": 0.1,
        "root": "$",
        "path": "$.no.such.path",
        "ctx": "$$.Execution.Id",
        "var": "$noSuchVar.member",
        "call": "States.Format('Format Func {}', $varname)",
        "expr": "{% $varname.varfield %}",
        "lst": [None, 0, "$varname", "{% $varname %}", "$$", [], {"constant": 0}],
        "obj": {"inner": "$.x", "deep": {"constant": 0}},
    }
    definition = chain(
        {"Type": "Pass", "Assign": literals},
        show(*literals),
    )
    assert run(definition, {"input_value": "v"}) == literals


def test_jsonpath_assign_paths_context_and_intrinsic():
    definition = chain(
        {
            "Type": "Pass",
            "Assign": {
                "root.$": "$",
                "value.$": "$.input_value",
                "machine.$": "$$.StateMachine.Name",
                "state.$": "$$.State.Name",
                "text.$": "States.Format('Format Func {}', $.input_value)",
            },
        },
        show("root", "value", "machine", "state", "text"),
    )
    assert run(definition, {"input_value": "input_value_literal"}) == {
        "root": {"input_value": "input_value_literal"},
        "value": "input_value_literal",
        "machine": "Machine",
        "state": "S0",
        "text": "Format Func input_value_literal",
    }


def test_variables_copied_from_variables_and_their_members():
    definition = chain(
        {
            "Type": "Pass",
            "Assign": {"n": None, "lst": [None, 0, "$x"], "obj": {"items": [1, {"c": 0}]}},
        },
        {
            "Type": "Pass",
            "Assign": {
                "copy.$": "$n",
                "lst2.$": "$lst",
                "items.$": "$obj.items",
                "second.$": "$obj.items[1]",
            },
        },
        show("copy", "lst2", "items", "second"),
    )
    assert run(definition, {}) == {
        "copy": None,
        "lst2": [None, 0, "$x"],
        "items": [1, {"c": 0}],
        "second": {"c": 0},
    }


def test_empty_assign_changes_nothing():
    assert run(chain({"Type": "Pass", "Assign": {}}), {"a": 1}) == {"a": 1}


def test_a_parameters_literal_dollar_string_is_not_a_reference():
    definition = chain(
        {"Type": "Pass", "Parameters": {"result": "$result"}, "Assign": {"result": "foobar"}},
        {"Type": "Pass", "ResultPath": "$.result", "Parameters": {"result.$": "$result"}},
    )
    assert run(definition, {}) == {"result": {"result": "foobar"}}


def test_input_path_and_output_path_read_variables():
    inputs = chain(
        {"Type": "Pass", "Assign": {"theAnswer": 42}}, {"Type": "Pass", "InputPath": "$theAnswer"}
    )
    outputs = chain(
        {"Type": "Pass", "Result": {"answer": 42}, "Assign": {"theAnswer.$": "$.answer"}},
        {"Type": "Pass", "OutputPath": "$theAnswer"},
    )
    assert run(inputs, {}) == 42
    assert run(outputs, {}) == 42


def test_paths_of_a_state_read_the_variables_it_is_about_to_replace():
    states = [
        {"Type": "Pass", "Result": {"q": "Why?"}, "Assign": {"question.$": "$.q", "answer": 42}},
        {
            "Type": "Pass",
            "InputPath": "$answer",
            "ResultPath": "$.theAnswer",
            "OutputPath": "$answer",
            "Assign": {"answer": "<omitted>"},
        },
    ]
    assert run(chain(*states), {}) == 42
    assert run(chain(*states, show("question", "answer")), {}) == {
        "question": "Why?",
        "answer": "<omitted>",
    }


def test_assign_reads_the_parameters_result_then_the_state_input():
    definition = chain(
        {"Type": "Pass", "Parameters": {"input": "PENDING"}, "Assign": {"result.$": "$.input"}},
        {"Type": "Pass", "Assign": {"result": "SUCCESS", "original.$": "$.input"}},
        show("result", "original"),
    )
    assert run(definition, {}) == {"result": "SUCCESS", "original": "PENDING"}


def test_assign_from_intrinsics_over_the_result():
    definition = chain(
        {
            "Type": "Pass",
            "Result": {"a": [1, 2, 3, 4, 5, 6], "dups": [1, 2, 2, 3, 3, 4]},
            "Assign": {
                "ops": {
                    "simple.$": "States.Array('a', 'b', 'c')",
                    "parts.$": "States.ArrayPartition($.a, 2)",
                    "has.$": "States.ArrayContains($.a, 5)",
                    "range.$": "States.ArrayRange(1, 10, 2)",
                    "third.$": "States.ArrayGetItem($.a, 2)",
                    "size.$": "States.ArrayLength($.a)",
                    "unique.$": "States.ArrayUnique($.dups)",
                }
            },
        },
        show("ops"),
    )
    assert run(definition, {}) == {
        "ops": {
            "simple": ["a", "b", "c"],
            "parts": [[1, 2], [3, 4], [5, 6]],
            "has": True,
            "range": [1, 3, 5, 7, 9],
            "third": 3,
            "size": 6,
            "unique": [1, 2, 3, 4],
        }
    }


def test_intrinsics_read_variables():
    definition = chain(
        {
            "Type": "Pass",
            "Assign": {
                "raw": "Hello World",
                "encoded": "SGVsbG8gV29ybGQ=",
                "json1": {"a": 1, "b": 2},
                "json2": {"c": 3, "d": 4},
                "csv": "a,b,c",
                "x": 5,
                "y": 3,
            },
        },
        {
            "Type": "Pass",
            "Parameters": {
                "encoded.$": "States.Base64Encode($raw)",
                "decoded.$": "States.Base64Decode($encoded)",
                "hash.$": "States.Hash('Hash this string', 'SHA-256')",
                "merged.$": "States.JsonMerge($json1, $json2, false)",
                "text.$": "States.JsonToString($json1)",
                "sum.$": "States.MathAdd($x, $y)",
                "split.$": "States.StringSplit($csv, ',')",
            },
        },
    )
    assert run(definition, {}) == {
        "encoded": "SGVsbG8gV29ybGQ=",
        "decoded": "Hello World",
        "hash": "1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e",
        "merged": {"a": 1, "b": 2, "c": 3, "d": 4},
        "text": '{"a":1,"b":2}',
        "sum": 8,
        "split": ["a", "b", "c"],
    }


def test_math_add_of_a_fractional_variable_truncates():
    definition = chain(
        {"Type": "Pass", "Assign": {"bias": 4.3, "x": 9, "y": 44, "z": 6}},
        {
            "Type": "Pass",
            "Assign": {
                "sum.$": "States.MathAdd(States.MathAdd(States.MathAdd($y, $x), $z), $bias)"
            },
        },
        show("sum"),
    )
    assert run(definition, {}) == {"sum": 63}


def test_fail_error_and_cause_paths_read_variables():
    definition = chain(
        {"Type": "Pass", "Assign": {"errorVar": "Exception", "causeVar": "It broke"}},
        {"Type": "Fail", "ErrorPath": "$errorVar", "CausePath": "$causeVar"},
    )
    assert failure(definition, {}) == ("Exception", "It broke")


def test_wait_paths_read_variables_and_wait_can_assign():
    definition = chain(
        {"Type": "Pass", "Assign": {"waitTime": 0, "startAt": "2024-11-06T09:42:03Z"}},
        {"Type": "Wait", "SecondsPath": "$waitTime"},
        {"Type": "Wait", "TimestampPath": "$startAt", "Assign": {"foo": "oof"}},
        show("foo"),
    )
    assert run(definition, {}) == {"foo": "oof"}


def test_choice_loop_on_variables():
    definition = {
        "StartAt": "Setup",
        "States": {
            "Setup": {
                "Type": "Pass",
                "Assign": {"guess": "the_guess", "answer": "the_answer"},
                "Next": "Check",
            },
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$guess", "StringEqualsPath": "$answer", "Next": "Right"}],
                "Default": "Wrong",
            },
            "Right": {"Type": "Pass", "Result": {"state": "CORRECT"}, "End": True},
            "Wrong": {
                "Type": "Pass",
                "Assign": {"guess.$": "$answer"},
                "Result": {"state": "WRONG"},
                "Next": "Check",
            },
        },
    }
    assert run(definition, {}) == {"state": "CORRECT"}


def _status_choice():
    return {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.input_value",
                        "IsPresent": False,
                        "Assign": {"status": "UNKNOWN"},
                        "Next": "Final",
                    },
                    {
                        "Variable": "$.input_value",
                        "NumericEquals": 42,
                        "Assign": {"status": "CORRECT"},
                        "Next": "Final",
                    },
                ],
                "Assign": {"status": "INCORRECT", "guess.$": "$.input_value"},
                "Default": "Final",
            },
            "Final": {"Type": "Pass", "Parameters": {"result.$": "$status"}, "End": True},
        },
    }


@pytest.mark.parametrize("value", ["42", "0"])
def test_choice_default_takes_the_state_assign(value):
    assert run(_status_choice(), {"input_value": value}) == {"result": "INCORRECT"}


def test_jsonata_choice_rule_assign_and_default_assign():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Choice",
        "States": {
            "Choice": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": "{% $states.input.condition %}",
                        "Next": "Done",
                        "Assign": {"a": "Condition assignment"},
                    }
                ],
                "Default": "Stop",
                "Assign": {"a": "Default Assignment"},
            },
            "Done": {"Type": "Pass", "Output": "{% $a %}", "End": True},
            "Stop": {"Type": "Fail", "Cause": "{% $a %}"},
        },
    }
    assert run(definition, {"condition": True}) == "Condition assignment"
    assert failure(definition, {"condition": False})[1] == "Default Assignment"


# --- scopes ------------------------------------------------------------------------------


def test_map_iterations_read_outer_variables():
    inner = {
        "StartAt": "I",
        "States": {"I": {"Type": "Pass", "Assign": {"innerX.$": "$x"}, "End": True}},
    }
    definition = chain(
        {"Type": "Pass", "Assign": {"x": 42, "items": [1, 2, 3]}},
        {"Type": "Map", "ItemsPath": "$items", "MaxConcurrency": 1, "ItemProcessor": inner},
        {"Type": "Pass", "Assign": {"final.$": "$x"}},
    )
    assert run(definition, {"input_value": "v"}) == [1, 2, 3]


def test_nested_maps_read_variables_of_every_enclosing_scope():
    summing = {
        "StartAt": "Sum",
        "States": {
            "Sum": {
                "Type": "Pass",
                "Parameters": {"sum.$": "States.MathAdd(States.MathAdd($x, $y), $bias)"},
                "End": True,
            }
        },
    }
    levels = {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Pass",
                "Assign": {"x.$": "$[0]", "y.$": "$[1]"},
                "Next": "Each",
            },
            "Each": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": summing, "End": True},
        },
    }
    definition = chain(
        {"Type": "Pass", "Result": [[9, 44], [82, 25]], "Assign": {"bias": 4}},
        {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": levels},
    )
    assert run(definition, {}) == [[{"sum": 57}, {"sum": 57}], [{"sum": 111}, {"sum": 111}]]


def test_parallel_branches_read_outer_variables_and_keep_their_own():
    def branch(name):
        return {
            "StartAt": name,
            "States": {name: {"Type": "Pass", "Assign": {"x": 0, "value.$": "$"}, "End": True}},
        }

    definition = chain(
        {"Type": "Pass", "Assign": {"x": 42}},
        {"Type": "Parallel", "Branches": [branch("A"), branch("B"), branch("C")]},
        {
            "QueryLanguage": "JSONata",
            "Type": "Pass",
            "Output": {"out": "{% $states.input %}", "x": "{% $x %}"},
        },
    )
    assert run(definition, {}) == {"out": [{}, {}, {}], "x": 42}


# --- Tasks -------------------------------------------------------------------------------


def test_lambda_task_reads_and_assigns_variables():
    definition = chain(
        {
            "Type": "Pass",
            "Assign": {"fn.$": "$.FunctionName", "data": {"foo": "oof"}, "timeout": 300},
        },
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "TimeoutSecondsPath": "$timeout",
            "Parameters": {"Payload.$": "$data", "FunctionName.$": "$fn"},
            "Assign": {"result.$": "$.Payload"},
            "OutputPath": "$.Payload",
        },
        {"Type": "Pass", "Assign": {"previous.$": "$result", "timeout": 150}},
        show("previous", "timeout"),
    )
    out = run(definition, {"FunctionName": FUNCTION}, {FUNCTION: lambda p: "HelloWorld!"})
    assert out == {"previous": "HelloWorld!", "timeout": 150}


def test_jsonata_catcher_assigns_the_error_output_and_skips_the_state_assign():
    definition = {
        "StartAt": "Task",
        "States": {
            "Task": {
                "QueryLanguage": "JSONata",
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "{% $states.input.fn %}", "Payload": {"foo": "oof"}},
                "Assign": {"result": "SUCCESS", "input": "{% $states.input %}"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"result": "{% $states.errorOutput.Error %}"},
                        "Next": "Fallback",
                    }
                ],
                "End": True,
            },
            "Fallback": {
                "QueryLanguage": "JSONata",
                "Type": "Pass",
                "Output": {
                    "result": "{% $result %}",
                    "error": "{% $states.input.Error %}",
                    "input": "{% $exists($input) %}",
                },
                "End": True,
            },
        },
    }
    out = run(definition, {"fn": FAILING}, {FAILING: broken})
    assert out == {"result": "Exception", "error": "Exception", "input": False}


# --- undefined references in JSONata fields ---------------------------------------------

UNDEFINED = [
    ({"Type": "Pass", "Output": "{% $doesNotExist %}"}, "Output"),
    ({"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}}, "Output/result"),
    ({"Type": "Pass", "Assign": {"result": "{% $doesNotExist %}"}}, "Assign/result"),
    (
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": "{% $doesNotExist %}",
        },
        "Arguments",
    ),
    (
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "{% $doesNotExist %}"},
        },
        "Arguments/FunctionName",
    ),
]


@pytest.mark.parametrize(("state", "field"), UNDEFINED)
def test_an_undefined_variable_fails_naming_the_field(state, field):
    definition = chain({"Type": "Pass"}, {"Type": "Pass"}, state, language="JSONata")
    assert failure(definition, {}) == (
        "States.QueryEvaluationError",
        f"The JSONata expression '$doesNotExist' specified for the field '{field}' "
        "returned nothing (undefined).",
    )
