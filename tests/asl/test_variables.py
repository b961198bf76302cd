"""Workflow variables (`Assign`) as "Passing data between states with variables" describes.

All assignments of one state are computed from the values the variables had when the state
was entered, and take effect after its output is built; Map iterations and Parallel branches
read the outer variables but what they assign stays inside.
"""

import pytest

from podium.asl import errors, validate

from .helpers import run


def jsonata(states):
    return {"QueryLanguage": "JSONata", "StartAt": next(iter(states)), "States": states}


def jsonpath(states):
    return {"StartAt": next(iter(states)), "States": states}


def test_doc_example_assign_constants_then_reference():
    definition = jsonata(
        {
            "A": {
                "Type": "Pass",
                "Assign": {"productName": "product1", "count": 42, "available": True},
                "Next": "B",
            },
            "B": {
                "Type": "Pass",
                "Output": {"p": "{% $productName %}", "c": "{% $count %}", "a": "{% $available %}"},
                "End": True,
            },
        }
    )
    assert run(definition, {}) == {"p": "product1", "c": 42, "a": True}


def test_doc_evaluation_order_example():
    """With $x=3 and $a=6, {"x": $a, "nextX": $x} gives $x=6 and $nextX=3."""
    definition = jsonata(
        {
            "Seed": {"Type": "Pass", "Assign": {"x": 3, "a": 6}, "Next": "Swap"},
            "Swap": {
                "Type": "Pass",
                "Assign": {"x": "{% $a %}", "nextX": "{% $x %}"},
                "Output": {"xSeenByAssigningState": "{% $x %}"},
                "Next": "Observe",
            },
            "Observe": {
                "Type": "Pass",
                "Output": {
                    "seen": "{% $states.input.xSeenByAssigningState %}",
                    "x": "{% $x %}",
                    "nextX": "{% $nextX %}",
                },
                "End": True,
            },
        }
    )
    assert run(definition, {}) == {"seen": 3, "x": 6, "nextX": 3}


def test_jsonpath_assign_paths_context_and_intrinsics():
    definition = jsonpath(
        {
            "A": {
                "Type": "Pass",
                "Assign": {
                    "whole.$": "$",
                    "value.$": "$.input_value",
                    "state.$": "$$.State.Name",
                    "formatted.$": "States.Format('Format Func {}', $.input_value)",
                    "literal": "$.not.a.path",
                    "jsonataText": "{% $value %}",
                },
                "Next": "B",
            },
            "B": {
                "Type": "Pass",
                "Parameters": {
                    "whole.$": "$whole",
                    "value.$": "$value",
                    "state.$": "$state",
                    "formatted.$": "$formatted",
                    "literal.$": "$literal",
                    "jsonataText.$": "$jsonataText",
                    "first.$": "$whole.list[0]",
                },
                "End": True,
            },
        }
    )
    value = {"input_value": "input_value_literal", "list": [7, 8]}
    assert run(definition, value) == {
        "whole": value,
        "value": "input_value_literal",
        "state": "A",
        "formatted": "Format Func input_value_literal",
        "literal": "$.not.a.path",
        "jsonataText": "{% $value %}",
        "first": 7,
    }


def test_jsonpath_paths_read_variables_before_the_states_own_assign():
    """InputPath and OutputPath that name `$answer` see 42, not the value assigned here."""
    definition = jsonpath(
        {
            "State0": {
                "Type": "Pass",
                "Result": {"theQuestion": "What is the answer?"},
                "Assign": {"question.$": "$.theQuestion", "answer": 42},
                "Next": "State1",
            },
            "State1": {
                "Type": "Pass",
                "InputPath": "$answer",
                "ResultPath": "$.theAnswer",
                "OutputPath": "$answer",
                "Assign": {"answer": "<omitted>"},
                "Next": "State2",
            },
            "State2": {
                "Type": "Pass",
                "Parameters": {"answer.$": "$answer", "question.$": "$question", "in.$": "$"},
                "End": True,
            },
        }
    )
    assert run(definition, {}) == {
        "answer": "<omitted>",
        "question": "What is the answer?",
        "in": 42,
    }


def test_jsonpath_task_assign_reads_the_selected_result():
    definition = jsonpath(
        {
            "T": {
                "Type": "Task",
                "Resource": "r",
                "ResultSelector": {"total.$": "$.sum"},
                "ResultPath": "$.out",
                "Assign": {"total.$": "$.total"},
                "Next": "R",
            },
            "R": {"Type": "Pass", "Parameters": {"total.$": "$total", "in.$": "$"}, "End": True},
        }
    )
    out = run(definition, {"a": 1}, {"r": lambda v: {"sum": 9}})
    assert out == {"total": 9, "in": {"a": 1, "out": {"total": 9}}}


def test_jsonata_assign_sees_result_and_input():
    definition = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": "r",
                "Assign": {
                    "fromResult": "{% $states.result.v %}",
                    "fromInput": "{% $states.input.k %}",
                },
                "Output": "{% $states.input %}",
                "Next": "R",
            },
            "R": {
                "Type": "Pass",
                "Output": {"r": "{% $fromResult %}", "i": "{% $fromInput %}"},
                "End": True,
            },
        }
    )
    assert run(definition, {"k": "key"}, {"r": lambda v: {"v": "val"}}) == {"r": "val", "i": "key"}


def test_assigned_null_is_a_value():
    definition = jsonata(
        {
            "A": {
                "Type": "Pass",
                "Assign": {"nullVariable": "{% $states.input.bar %}"},
                "Next": "B",
            },
            "B": {
                "Type": "Pass",
                "Output": {"v": "{% $nullVariable %}", "exists": "{% $exists($nullVariable) %}"},
                "End": True,
            },
        }
    )
    assert run(definition, {"bar": None}) == {"v": None, "exists": True}


def test_assign_returning_nothing_fails_naming_the_variable():
    definition = jsonata(
        {
            "Bind": {
                "Type": "Pass",
                "Assign": {"x": "{% $states.input.missing %}"},
                "Next": "Read",
            },
            "Read": {"Type": "Pass", "Output": {"got": "{% $x %}"}, "End": True},
        }
    )
    with pytest.raises(errors.ASLError) as info:
        run(definition, {})
    assert (info.value.error, info.value.cause) == (
        "States.QueryEvaluationError",
        "The JSONata expression '$states.input.missing' specified for the field 'Assign/x' "
        "returned nothing (undefined).",
    )


def test_variables_survive_later_outputs():
    definition = jsonata(
        {
            "A": {
                "Type": "Pass",
                "Assign": {"CheckpointCount": "0", "Wait": "3"},
                "Output": {"transient": 3},
                "Next": "B",
            },
            "B": {"Type": "Pass", "Output": {"x": "{% $Wait %}"}, "Next": "C"},
            "C": {
                "Type": "Pass",
                "Output": {
                    "checkpoint": "{% $CheckpointCount %}",
                    "transientStillThere": "{% $exists($states.input.transient) %}",
                },
                "End": True,
            },
        }
    )
    assert run(definition, {}) == {"checkpoint": "0", "transientStillThere": False}


def test_map_iterations_read_outer_variables_and_keep_their_own():
    definition = jsonata(
        {
            "SetOuter": {"Type": "Pass", "Assign": {"outerVar": 42}, "Next": "MapState"},
            "MapState": {
                "Type": "Map",
                "Items": [1, 2],
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "AssignInner",
                    "States": {
                        "AssignInner": {
                            "Type": "Pass",
                            "Assign": {"innerVar": "{% $outerVar + $states.input %}"},
                            "Next": "Report",
                        },
                        "Report": {"Type": "Pass", "Output": "{% $innerVar %}", "End": True},
                    },
                },
                "Next": "CheckScope",
            },
            "CheckScope": {
                "Type": "Pass",
                "Output": {
                    "iterations": "{% $states.input %}",
                    "outer": "{% $outerVar %}",
                    "innerLeaked": "{% $exists($innerVar) %}",
                },
                "End": True,
            },
        }
    )
    assert run(definition, {}) == {"iterations": [43, 44], "outer": 42, "innerLeaked": False}


def test_parallel_branches_read_outer_variables_and_keep_their_own():
    definition = jsonpath(
        {
            "A": {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "P"},
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "B",
                        "States": {
                            "B": {"Type": "Pass", "Assign": {"inner": "i"}, "Next": "C"},
                            "C": {
                                "Type": "Pass",
                                "Parameters": {"outer.$": "$outer", "inner.$": "$inner"},
                                "End": True,
                            },
                        },
                    }
                ],
                "Next": "D",
            },
            "D": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"branches": "{% $states.input %}", "leaked": "{% $exists($inner) %}"},
                "End": True,
            },
        }
    )
    assert run(definition, {}) == {"branches": [{"outer": "o", "inner": "i"}], "leaked": False}


def test_catch_assign_reads_the_error_output_and_state_assign_is_skipped():
    def boom(value):
        raise errors.TaskError("Custom", "went wrong")

    definition = jsonpath(
        {
            "T": {
                "Type": "Task",
                "Resource": "r",
                "Assign": {"succeeded": True},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"err.$": "$.Error", "cause.$": "$.Cause"},
                        "ResultPath": "$.error",
                        "Next": "R",
                    }
                ],
                "End": True,
            },
            "R": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {
                    "err": "{% $err %}",
                    "cause": "{% $cause %}",
                    "succeeded": "{% $exists($succeeded) %}",
                    "in": "{% $states.input %}",
                },
                "End": True,
            },
        }
    )
    assert run(definition, {"k": 1}, {"r": boom}) == {
        "err": "Custom",
        "cause": "went wrong",
        "succeeded": False,
        "in": {"k": 1, "error": {"Error": "Custom", "Cause": "went wrong"}},
    }


def test_choice_rule_assign_applies_over_the_state_assign():
    definition = jsonata(
        {
            "ChoiceState": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": "{% $states.input.condition %}",
                        "Assign": {"assignment": "Condition assignment"},
                        "Next": "Report",
                    }
                ],
                "Default": "Report",
                "Assign": {"assignment": "Default Assignment", "always": 1},
            },
            "Report": {
                "Type": "Pass",
                "Output": {"assignment": "{% $assignment %}", "always": "{% $always %}"},
                "End": True,
            },
        }
    )
    assert run(definition, {"condition": True}) == {
        "assignment": "Condition assignment",
        "always": 1,
    }
    assert run(definition, {"condition": False}) == {
        "assignment": "Default Assignment",
        "always": 1,
    }


def test_jsonpath_choice_rule_assign():
    definition = jsonpath(
        {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.n",
                        "NumericEquals": 42,
                        "Assign": {"matched.$": "$.n"},
                        "Next": "R",
                    }
                ],
                "Default": "R",
            },
            "R": {"Type": "Pass", "Parameters": {"matched.$": "$matched"}, "End": True},
        }
    )
    assert run(definition, {"n": 42}) == {"matched": 42}


def test_wait_assign():
    definition = jsonata(
        {
            "W": {"Type": "Wait", "Seconds": 0, "Assign": {"foo": "oof"}, "Next": "R"},
            "R": {"Type": "Pass", "Output": {"foo": "{% $foo %}"}, "End": True},
        }
    )
    assert run(definition, {}) == {"foo": "oof"}


def test_jsonpath_reference_to_an_unassigned_variable_fails():
    definition = jsonpath({"P": {"Type": "Pass", "Parameters": {"v.$": "$nope"}, "End": True}})
    with pytest.raises(errors.ASLError) as info:
        run(definition, {})
    assert info.value.error == "States.Runtime"


@pytest.mark.parametrize("name", ["1abc", "a-b", "has space", "states", "x" * 81])
def test_invalid_variable_names_are_rejected(name):
    definition = jsonata({"A": {"Type": "Pass", "Assign": {name: 1}, "End": True}})
    assert [d["code"] for d in validate(definition)] == ["INVALID_VARIABLE_NAME"]


@pytest.mark.parametrize("name", ["x", "_private", "camelCase1", "número", "x" * 80])
def test_valid_variable_names(name):
    definition = jsonpath({"A": {"Type": "Pass", "Assign": {name + ".$": "$"}, "End": True}})
    assert validate(definition) == []


def test_a_retrier_cannot_assign():
    definition = jsonpath(
        {
            "T": {
                "Type": "Task",
                "Resource": "r",
                "Retry": [{"ErrorEquals": ["States.ALL"], "Assign": {"x": 1}}],
                "End": True,
            }
        }
    )
    assert [d["code"] for d in validate(definition)] == ["UNKNOWN_FIELD"]
