"""JSONata fields and mixed query languages as executions recorded against AWS showed them.

The machines are small ones written for each behaviour; the expected outputs and errors are
those AWS Step Functions produced for the same kind of machine.
"""

from typing import Any

import pytest

from podium.asl import errors, validate

from .helpers import run

ECHO = "arn:aws:lambda:us-east-1:000000000000:function:echo"
FAILING = "arn:aws:lambda:us-east-1:000000000000:function:broken"
INPUT = {"input_value": "string literal", "input_values": [1, 2, 3]}


def broken(payload):
    raise Exception("Some exception was raised.")


def resources():
    return {ECHO: lambda payload: payload, FAILING: broken}


def one(state, language=None, top=None):
    """A machine of one state (`language` on the state, `top` on the machine)."""
    state = {**state}
    if state["Type"] not in ("Choice", "Fail", "Succeed"):
        state.setdefault("End", True)
    if language:
        state["QueryLanguage"] = language
    machine = {"StartAt": "S", "States": {"S": state}}
    if top:
        machine["QueryLanguage"] = top
    return machine


def then(first, second):
    """A machine of two states, `first` then `second`."""
    return {
        "StartAt": "A",
        "States": {"A": {**first, "Next": "B"}, "B": {**second, "End": True}},
    }


# --- Output -------------------------------------------------------------------------------

LITERALS: dict[str, Any] = {
    "null": None,
    "float": 0.1,
    "not_jsonata": " {% states.input %} ",
    "varpath": "$states.input",
    "jp_input.$": "$",
    "jp_path": "$.input_value",
    "jp_context": "$$",
    "intrinsic": "States.Format('Format:{}', 101)",
    "lst": [None, 0, [], {"constant": 0}, " {% states.input %} ", "$no.such.var"],
    "obj": {"inner": {"constant": 0}, "empty": {}},
}


def test_output_literals_are_kept_verbatim_even_with_dollar_keys():
    assert run(one({"Type": "Pass", "Output": LITERALS}, "JSONata"), INPUT) == LITERALS


def test_output_expressions_read_input_context_and_jsonpath_assigned_variables():
    definition = then(
        {"Type": "Pass", "Assign": {"var_value.$": "$.input_value", "one": 1}},
        {
            "QueryLanguage": "JSONata",
            "Type": "Pass",
            "Output": {
                "state": "{% $states.context.State.Name %}",
                "input": "{% $states.input %}",
                "var": "{% $var_value %}",
                "expr": "{% $sum($states.input.input_values) + $one %}",
            },
        },
    )
    assert run(definition, INPUT) == {
        "state": "B",
        "input": INPUT,
        "var": "string literal",
        "expr": 7,
    }


def test_output_may_be_one_expression():
    definition = then(
        {"Type": "Pass", "Assign": {"one": 1}},
        {
            "QueryLanguage": "JSONata",
            "Type": "Pass",
            "Output": "{% $sum($states.input.input_values) + $one %}",
        },
    )
    assert run(definition, INPUT) == 7


PLAIN: list[Any] = [None, 0, 0.1, True, "s", [], "$nosuchvar", "$.no.such.path"]
RICH = [*PLAIN, "{% $states.input %}", {"key": "{% true %}"}]


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (None, None),
        (0, 0),
        (0.1, 0.1),
        (True, True),
        ("string literal", "string literal"),
        ("{% $states.input %}", {"input_value": "stringliteral"}),
        ([], []),
        (RICH, [*PLAIN, {"input_value": "stringliteral"}, {"key": True}]),
    ],
)
def test_output_of_any_json_type(output, expected):
    definition = one({"Type": "Pass", "Output": output}, "JSONata")
    assert run(definition, {"input_value": "stringliteral"}) == expected


def test_task_output_sees_arguments_result_input_and_variables():
    definition = then(
        {"Type": "Pass", "Assign": {"var_value.$": "$.input_value", "one": 1}},
        {
            "QueryLanguage": "JSONata",
            "Type": "Task",
            "Resource": ECHO,
            "Arguments": {
                "var": "{% $var_value %}",
                "expr": "{% $sum($states.input.input_values) + $one %}",
            },
            "Output": {
                "input": "{% $states.input.input_value %}",
                "result": "{% $states.result %}",
                "access": "{% $states.result.expr %}",
            },
        },
    )
    assert run(definition, INPUT, resources()) == {
        "input": "string literal",
        "result": {"var": "string literal", "expr": 7},
        "access": 7,
    }


def test_choice_rule_output_and_default_output():
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
                        "Output": "Condition Output block",
                    }
                ],
                "Default": "Other",
                "Output": "Default Output block",
            },
            "Done": {"Type": "Pass", "End": True},
            "Other": {"Type": "Pass", "End": True},
        },
    }
    assert run(definition, {"condition": True}) == "Condition Output block"
    assert run(definition, {"condition": False}) == "Default Output block"


# --- expressions in other fields ----------------------------------------------------------

MAP = {
    "Type": "Map",
    "Items": [1, 2, 3],
    "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
}


@pytest.mark.parametrize(
    "fields",
    [
        {"Items": [1, '{% $number("2") %}', 3]},
        {"Items": [1, "{% $number('2') %}", 3]},
        {"Items": "{% $states.input.items %}"},
        {"MaxConcurrency": "{% $variable := 1 %}"},
        {"ToleratedFailurePercentage": "{% $variable := 1 %}"},
        {"ToleratedFailureCount": "{% $states.input.one %}"},
    ],
)
def test_map_fields_take_expressions(fields):
    definition = one({**MAP, **fields}, top="JSONata")
    assert run(definition, {"items": [1, 2, 3], "one": 1}) == [1, 2, 3]


@pytest.mark.parametrize(
    "fields",
    [{"HeartbeatSeconds": "{% $variable := 1 %}"}, {"TimeoutSeconds": "{% $states.input.t %}"}],
)
def test_task_timeouts_take_expressions(fields):
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"Payload": {}, "FunctionName": ECHO},
        **fields,
    }
    out = run(one(task, top="JSONata"), {"t": 5}, resources())
    assert out["Payload"] == {}
    assert out["StatusCode"] == 200


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (r'{% $contains("hello$world", /^hello\$/) %}', True),
        (r'{% $contains("hello$world", /^hello\ /) %}', False),
        (r"{% $contains('hello$world', /^hello\$/) %}", True),
        (r"{% $contains('hello$world', /^hello\ /) %}", False),
    ],
)
def test_regular_expressions(expression, expected):
    assert run(one({"Type": "Pass", "Output": expression}, top="JSONata"), {}) is expected


# --- query languages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "state"),
    [("JSONPath", None), ("JSONata", None), ("JSONPath", "JSONata"), (None, "JSONata")],
)
def test_pass_passes_its_input_in_either_language(top, state):
    assert run(one({"Type": "Pass"}, state, top), {"a": 1}) == {"a": 1}


def test_a_jsonpath_state_in_a_jsonata_machine_is_rejected():
    definition = one({"Type": "Pass"}, "JSONPath", "JSONata")
    assert [d["location"] for d in validate(definition)] == ["/States/S/QueryLanguage"]


def test_variables_cross_query_languages_both_ways():
    jsonpath_first = then(
        {"Type": "Pass", "Assign": {"answer": 42}},
        {"QueryLanguage": "JSONata", "Type": "Pass", "Output": {"old": "{% $answer %}"}},
    )
    jsonata_first = then(
        {"QueryLanguage": "JSONata", "Type": "Pass", "Assign": {"answer": 42}},
        {"Type": "Pass", "Parameters": {"old.$": "$answer"}},
    )
    assert run(jsonpath_first, {}) == {"old": 42}
    assert run(jsonata_first, {}) == {"old": 42}


def test_outputs_cross_query_languages_both_ways():
    jsonata_first = then(
        {
            "QueryLanguage": "JSONata",
            "Type": "Pass",
            "Output": {"foo": "foobar", "bar": "{% $states.input %}"},
        },
        {"Type": "Pass"},
    )
    jsonpath_first = then(
        {"Type": "Pass", "Parameters": {"foo": "foobar", "bar.$": "$"}},
        {"QueryLanguage": "JSONata", "Type": "Pass"},
    )
    expected = {"foo": "foobar", "bar": {"input_data": "test"}}
    assert run(jsonata_first, {"input_data": "test"}) == expected
    assert run(jsonpath_first, {"input_data": "test"}) == expected


def test_jsonpath_result_path_then_jsonata_lambda_task():
    definition = then(
        {
            "Type": "Pass",
            "Result": {"riddle": "What is the answer?"},
            "Assign": {"answer": 42, "data.$": "$"},
            "ResultPath": "$.enigma.mystery",
        },
        {
            "QueryLanguage": "JSONata",
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {
                "FunctionName": "{% $states.input.functionName %}",
                "Payload": {
                    "question": "{% $states.input.enigma.mystery.riddle %}",
                    "answer": "{% $answer %}",
                    "data": "{% $data %}",
                },
            },
            "Assign": {"answer": "<omitted>"},
            "Output": {"result": "{% $states.result.Payload %}"},
        },
    )
    out = run(definition, {"functionName": ECHO}, resources())
    assert out == {
        "result": {
            "question": "What is the answer?",
            "answer": 42,
            "data": {"riddle": "What is the answer?"},
        }
    }


def test_legacy_lambda_resource_result_in_both_languages():
    jsonata_task = then(
        {
            "QueryLanguage": "JSONata",
            "Type": "Task",
            "Resource": ECHO,
            "Arguments": {"Payload": {"foo": "foo-1"}},
            "Assign": {"kept": "{% $states.result %}"},
            "Output": {"results": "{% $states.result %}"},
        },
        {"Type": "Pass"},
    )
    jsonpath_task = then(
        {
            "Type": "Task",
            "Resource": ECHO,
            "Parameters": {"Payload": {"foo": "foo-1"}},
            "Assign": {"kept.$": "$"},
            "OutputPath": "$",
        },
        {"QueryLanguage": "JSONata", "Type": "Pass", "Output": "{% $kept %}"},
    )
    assert run(jsonata_task, {}, resources()) == {"results": {"Payload": {"foo": "foo-1"}}}
    assert run(jsonpath_task, {}, resources()) == {"Payload": {"foo": "foo-1"}}


# --- $states.errorOutput ------------------------------------------------------------------


def test_catcher_output_and_assign_see_input_and_error_output():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Task",
        "States": {
            "Task": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": FAILING, "Payload": {"foo": "foobar"}},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"errorVar": "{% $states.errorOutput.Error %}"},
                        "Output": {
                            "stateInput": "{% $states.input %}",
                            "error": "{% $states.errorOutput.Error %}",
                            "cause": "{% $parse($states.errorOutput.Cause).errorMessage %}",
                        },
                        "Next": "Fallback",
                    }
                ],
                "Output": {"result": "{% $states.result %}"},
                "Next": "Fallback",
            },
            "Fallback": {
                "Type": "Pass",
                "Output": {"in": "{% $states.input %}", "var": "{% $errorVar %}"},
                "End": True,
            },
        },
    }
    assert run(definition, {"inputData": "dummy"}, resources()) == {
        "in": {
            "stateInput": {"inputData": "dummy"},
            "error": "Exception",
            "cause": "Some exception was raised.",
        },
        "var": "Exception",
    }


def test_jsonata_catcher_output_flows_into_a_jsonpath_state():
    definition = then(
        {
            "QueryLanguage": "JSONata",
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": FAILING, "Payload": {}},
            "Catch": [
                {
                    "ErrorEquals": ["States.ALL"],
                    "Output": {"error": "{% $states.errorOutput.Error %}"},
                    "Next": "B",
                }
            ],
        },
        {"Type": "Pass", "Parameters": {"seen.$": "$.error"}},
    )
    assert run(definition, {}, resources()) == {"seen": "Exception"}


def test_undefined_argument_in_a_task_is_a_query_evaluation_error():
    definition = one(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "{% $states.input.missing %}"},
        },
        top="JSONata",
    )
    with pytest.raises(errors.ASLError) as info:
        run(definition, {}, resources())
    assert info.value.error == "States.QueryEvaluationError"


# --- fields each language allows (the ASL reference's field lists) ----------------------


def _catching(catcher, language):
    task = {"Type": "Task", "Resource": ECHO, "Catch": [{"ErrorEquals": ["States.ALL"], **catcher}]}
    return {
        "StartAt": "S",
        "States": {"S": {**task, "QueryLanguage": language, "Next": "B"}, "B": {"Type": "Succeed"}},
    }


@pytest.mark.parametrize(
    ("catcher", "language", "bad"),
    [
        ({"Next": "B", "Output": "{% 1 %}"}, "JSONPath", "Output"),
        ({"Next": "B", "ResultPath": "$.e"}, "JSONata", "ResultPath"),
        ({"Next": "B", "Assign": {"x.$": "$.y"}}, "JSONata", "Assign/x.$"),
        ({"Next": "B", "Output": "{% ( %}"}, "JSONata", "Output"),
    ],
)
def test_catcher_fields_follow_the_query_language(catcher, language, bad):
    locations = [d["location"] for d in validate(_catching(catcher, language))]
    assert locations == [f"/States/S/Catch/0/{bad}"]


def test_catcher_assign_and_output_in_their_language_are_valid():
    jsonata_catcher = {"Next": "B", "Output": "{% $states.errorOutput %}", "Assign": {"e": 1}}
    jsonpath_catcher = {"Next": "B", "ResultPath": "$.e", "Assign": {"e.$": "$.Error"}}
    assert validate(_catching(jsonata_catcher, "JSONata")) == []
    assert validate(_catching(jsonpath_catcher, "JSONPath")) == []


def test_choice_rule_fields_follow_the_query_language():
    def choice(rule, language):
        return {
            "QueryLanguage": language,
            "StartAt": "C",
            "States": {
                "C": {"Type": "Choice", "Choices": [{**rule, "Next": "D"}]},
                "D": {"Type": "Succeed"},
            },
        }

    jsonata_rule = {"Condition": "{% true %}", "Variable": "$.x"}
    jsonpath_rule = {"Variable": "$.x", "IsPresent": True, "Output": "x"}
    assert [d["location"] for d in validate(choice(jsonata_rule, "JSONata"))] == [
        "/States/C/Choices/0/Variable"
    ]
    assert [d["location"] for d in validate(choice(jsonpath_rule, "JSONPath"))] == [
        "/States/C/Choices/0/Output"
    ]
