"""JSONata states as Step Functions runs them: the functions it adds, undefined and null
values, the field named in a failure's cause, and `$states` in each field.

Expected values come from the AWS documentation ("Transforming data with JSONata in Step
Functions", the States.Hash example of the intrinsic functions page) and from executions
recorded against AWS by other emulators' test suites.
"""

import pytest

from podium.asl import errors, validate

from .helpers import run

QUERY = "States.QueryEvaluationError"


def machine(states, start=None):
    return {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states}


def output_of(expression, value=None):
    return run(machine({"S": {"Type": "Pass", "Output": expression, "End": True}}), value)


def failure(definition, value=None, resources=None):
    with pytest.raises(errors.ASLError) as info:
        run(definition, value, resources)
    return info.value.error, info.value.cause


# --- the functions Step Functions adds -------------------------------------------------


def test_partition_doc_example():
    assert output_of("{% $partition([1,2,3,4,5,6,7,8,9], 3) %}") == [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
    ]


@pytest.mark.parametrize(
    ("array", "size", "expected"),
    [
        ([0], 1, [[0]]),
        ([0], 5, [[0]]),
        ([0, 1], 1, [[0], [1]]),
        ([0, 1, 2], 2, [[0, 1], [2]]),
        ([0, 1, 2, 3], 4, [[0, 1, 2, 3]]),
    ],
)
def test_partition_recorded_on_aws(array, size, expected):
    out = output_of("{% $partition($states.input.a, $states.input.n) %}", {"a": array, "n": size})
    assert out == expected


def test_range_doc_example():
    assert output_of("{% $range(0, 10, 2) %}") == [0, 2, 4, 6, 8, 10]


@pytest.mark.parametrize(
    ("start", "end", "step", "expected"),
    [(0, 9, 3, [0, 3, 6, 9]), (0, 10, 3, [0, 3, 6, 9]), (1, 9, 9, 1), (1, 9, 2, [1, 3, 5, 7, 9])],
)
def test_range_recorded_on_aws(start, end, step, expected):
    value = {"a": start, "b": end, "c": step}
    assert output_of("{% $range($states.input.a, $states.input.b, $states.input.c) %}", value) == (
        expected
    )


def test_range_counts_down_and_truncates_towards_zero():
    assert output_of("{% $range(9, 1, -2) %}") == [9, 7, 5, 3, 1]
    assert output_of("{% $range(-1.2, 2.8, 1.9) %}") == [-1, 0, 1, 2]


def test_range_with_a_step_away_from_the_end_is_undefined():
    error, cause = failure(
        machine({"S": {"Type": "Pass", "Output": "{% $range(3,1,1) %}", "End": True}})
    )
    assert (error, cause) == (
        QUERY,
        "The JSONata expression '$range(3,1,1)' specified for the field 'Output' "
        "returned nothing (undefined).",
    )


def test_range_argument_of_wrong_type():
    definition = machine({"S": {"Type": "Pass", "Output": "{% $range('0',4,1) %}", "End": True}})
    assert failure(definition) == (
        QUERY,
        "The JSONata expression '$range('0',4,1)' specified for the field 'Output' threw an "
        'error during evaluation. T0410: Argument 1 of function "range" does not match '
        "function signature",
    )


def test_hash_matches_the_documented_sha1_digest():
    assert output_of("{% $hash('input data', 'SHA-1') %}") == (
        "aaff4a450a104cd177d28d18d74485e8cae074b7"
    )


def test_hash_algorithms():
    out = output_of(
        {
            "md5": "{% $hash('', 'MD5') %}",
            "sha256": "{% $hash('abc', 'SHA-256') %}",
        }
    )
    assert out == {
        "md5": "d41d8cd98f00b204e9800998ecf8427e",
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    }


def test_random_with_a_seed_is_javas_seeded_random():
    assert output_of("{% $random(42) %}") == 0.7275636800328681
    assert output_of("{% $random(42) = $random(42) %}") is True


def test_random_without_seed_and_uuid_come_from_the_effects():
    out = output_of({"r": "{% $random() %}", "u": "{% $uuid() %}"})
    assert out["r"] == 0.5  # FakeEffects.random
    assert len(out["u"]) == 36 and out["u"][14] == "4"


def test_parse_doc_example():
    value = {"json_string": '{"name": "Jane", "tags": [1, null]}'}
    assert output_of("{% $parse($states.input.json_string) %}", value) == {
        "name": "Jane",
        "tags": [1, None],
    }


def test_parse_of_invalid_json_fails():
    error, cause = failure(
        machine({"S": {"Type": "Pass", "Output": "{% $parse('{x') %}", "End": True}})
    )
    assert error == QUERY
    assert cause.startswith(
        "The JSONata expression '$parse('{x')' specified for the field 'Output'"
    )


def test_eval_is_not_available():
    definition = machine({"S": {"Type": "Pass", "Output": "{% $eval('1') %}", "End": True}})
    assert failure(definition)[0] == QUERY


def test_now_reads_the_interpreter_clock():
    assert output_of("{% $now() %}") == "2024-01-01T12:00:00.000Z"


# --- expressions, literals, null and undefined -----------------------------------------


def test_doc_conversion_example_arguments():
    """The JSONPath-to-JSONata conversion example of the AWS docs gives the same payload."""
    seen = []

    def task(value):
        seen.append(value)
        return value

    definition = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"customerName": "María"}, "Next": "T"},
            "T": {
                "Type": "Task",
                "Resource": "r",
                "Arguments": {
                    "static": "Hello",
                    "title": "{% $states.input.title %}",
                    "name": "{% $customerName %}",
                    "not-evaluated": "$customerName",
                },
                "End": True,
            },
        }
    )
    expected = {
        "static": "Hello",
        "title": "Doctor",
        "name": "María",
        "not-evaluated": "$customerName",
    }
    assert run(definition, {"title": "Doctor"}, {"r": task}) == expected
    assert seen == [expected]


def test_only_whole_strings_are_expressions():
    out = output_of(
        {
            "a": " {% 1 %}",
            "b": "{% 1 %} ",
            "c": "x{% 1 %}",
            "d": ["{% 1 + 1 %}", {"e": "{% 'y' %}"}],
        }
    )
    assert out == {"a": " {% 1 %}", "b": "{% 1 %} ", "c": "x{% 1 %}", "d": [2, {"e": "y"}]}


def test_null_is_a_value_in_every_position():
    out = output_of(
        {
            "fromInput": "{% $lookup($states.input, 'bar') %}",
            "literal": "{% null %}",
            "nested": {"inner": "{% null %}", "kept": 1},
            "values": ["{% null %}", 1],
        },
        {"bar": None},
    )
    assert out == {
        "fromInput": None,
        "literal": None,
        "nested": {"inner": None, "kept": 1},
        "values": [None, 1],
    }


@pytest.mark.parametrize(
    ("output", "field"),
    [
        ({"v": "{% $states.input.missing %}"}, "Output/v"),
        ("{% $states.input.missing %}", "Output"),
        ({"a": {"b": ["x", "{% $states.input.missing %}"]}}, "Output/a/b[1]"),
    ],
)
def test_undefined_output_names_the_field(output, field):
    definition = machine({"S": {"Type": "Pass", "Output": output, "End": True}})
    assert failure(definition, {}) == (
        QUERY,
        f"The JSONata expression '$states.input.missing' specified for the field '{field}' "
        "returned nothing (undefined).",
    )


def test_undefined_argument_fails_before_the_task_runs():
    calls: list[object] = []
    definition = machine(
        {
            "Send": {
                "Type": "Task",
                "Resource": "r",
                "Arguments": {"MessageBody": "m", "MessageGroupId": "{% $states.input.missing %}"},
                "End": True,
            }
        }
    )
    assert failure(definition, {}, {"r": calls.append}) == (
        QUERY,
        "The JSONata expression '$states.input.missing' specified for the field "
        "'Arguments/MessageGroupId' returned nothing (undefined).",
    )
    assert calls == []


def test_evaluation_error_is_catchable_with_error_output():
    definition = machine(
        {
            "Boom": {
                "Type": "Task",
                "Resource": "r",
                "Arguments": {"bad": "{% $states.input.a + 1 %}"},
                "Catch": [
                    {
                        "ErrorEquals": [QUERY],
                        "Assign": {"caughtError": "{% $states.errorOutput.Error %}"},
                        "Next": "Report",
                    }
                ],
                "End": True,
            },
            "Report": {
                "Type": "Pass",
                "Output": {
                    "caughtError": "{% $caughtError %}",
                    "fromOutput": "{% $states.input.Error %}",
                },
                "End": True,
            },
        }
    )
    out = run(definition, {"a": "text"}, {"r": lambda v: v})
    assert out == {"caughtError": QUERY, "fromOutput": QUERY}


def test_catcher_output_failure_is_not_caught_again():
    def boom(value):
        raise errors.TaskError("Boom", "why")

    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "r",
                "Catch": [
                    {"ErrorEquals": ["States.Timeout"], "Next": "C"},
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Output": {"v": "{% $states.input.missing %}"},
                        "Next": "C",
                    },
                ],
                "End": True,
            },
            "C": {"Type": "Pass", "End": True},
        }
    )
    assert failure(definition, {}, {"r": boom}) == (
        QUERY,
        "The JSONata expression '$states.input.missing' specified for the field "
        "'Catch[1]/Output/v' returned nothing (undefined).",
    )


def test_whole_numbers_are_integers():
    assert output_of({"a": "{% 1.0 %}", "b": "{% 3 / 2 %}", "c": "{% 2 * 1.5 %}"}) == {
        "a": 1,
        "b": 1.5,
        "c": 3,
    }


def test_singleton_sequences_are_unwrapped():
    value = {"items": [{"id": 1, "ok": True}, {"id": 2, "ok": False}]}
    out = output_of(
        {"one": "{% $states.input.items[ok].id %}", "kept": "{% [$states.input.items[ok].id] %}"},
        value,
    )
    assert out == {"one": 1, "kept": [1]}


# --- each state's JSONata fields --------------------------------------------------------


def test_pass_without_output_passes_its_input():
    assert output_of_state({"Type": "Pass", "End": True}, {"a": 1}) == {"a": 1}


def output_of_state(state, value):
    return run(machine({"S": state}), value)


def test_task_output_sees_input_and_result_and_defaults_to_the_result():
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "r",
                "Arguments": {"n": "{% $states.input.n %}"},
                "Output": {"in": "{% $states.input %}", "res": "{% $states.result %}"},
                "Next": "U",
            },
            "U": {
                "Type": "Task",
                "Resource": "r",
                "Arguments": {"n": "{% $states.input.res.double %}"},
                "End": True,
            },
        }
    )
    seen = []

    def double(value):
        seen.append(value)
        return {"double": value["n"] * 2}

    assert run(definition, {"n": 2}, {"r": double}) == {"double": 8}
    assert seen == [{"n": 2}, {"n": 4}]


def test_choice_condition_rules_in_order():
    definition = machine(
        {
            "Pick": {
                "Type": "Choice",
                "Choices": [
                    {"Condition": "{% true %}", "Next": "First"},
                    {"Condition": "{% $states.input.missing %}", "Next": "Second"},
                ],
                "Default": "Fallback",
            },
            "First": {"Type": "Pass", "Output": {"went": "First"}, "End": True},
            "Second": {"Type": "Pass", "Output": {"went": "Second"}, "End": True},
            "Fallback": {"Type": "Pass", "Output": {"went": "Fallback"}, "End": True},
        }
    )
    assert run(definition, {}) == {"went": "First"}
    definition["States"]["Pick"]["Choices"][0]["Condition"] = "{% false %}"
    assert failure(definition, {}) == (
        QUERY,
        "The JSONata expression '$states.input.missing' specified for the field "
        "'Choices[1]/Condition' returned nothing (undefined).",
    )


def test_choice_condition_must_be_boolean():
    definition = machine(
        {
            "C": {"Type": "Choice", "Choices": [{"Condition": "{% 1 %}", "Next": "E"}]},
            "E": {"Type": "Succeed"},
        }
    )
    error, cause = failure(definition, {})
    assert error == QUERY
    assert "'Choices[0]/Condition'" in cause


def test_choice_rule_output_replaces_the_input():
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": "{% $states.input.n > 1 %}",
                        "Output": {"big": "{% $states.input.n %}"},
                        "Next": "E",
                    }
                ],
                "Default": "E",
            },
            "E": {"Type": "Succeed"},
        }
    )
    assert run(definition, {"n": 5}) == {"big": 5}
    assert run(definition, {"n": 0}) == {"n": 0}


def test_fail_error_and_cause_expressions():
    definition = machine(
        {
            "F": {
                "Type": "Fail",
                "Error": "{% 'Err' & $states.input.code %}",
                "Cause": "{% $states.input.why %}",
            }
        }
    )
    assert failure(definition, {"code": 7, "why": "because"}) == ("Err7", "because")
    definition["States"]["F"]["Cause"] = "{% $states.input.missing %}"
    assert failure(definition, {"code": 7}) == (
        QUERY,
        "The JSONata expression '$states.input.missing' specified for the field 'Cause' "
        "returned nothing (undefined).",
    )


def test_wait_seconds_and_timestamp_expressions():
    from .helpers import FakeEffects

    effects = FakeEffects()
    definition = machine(
        {
            "W": {"Type": "Wait", "Seconds": "{% $states.input.s * 2 %}", "Next": "T"},
            "T": {"Type": "Wait", "Timestamp": "{% $states.input.at %}", "End": True},
        }
    )
    run(definition, {"s": 5, "at": "2024-01-01T12:01:00Z"}, effects=effects)
    assert effects.sleeps == [10.0, 50.0]


def test_wait_seconds_undefined_names_the_field():
    definition = machine(
        {"W": {"Type": "Wait", "Seconds": "{% $states.input.missing %}", "End": True}}
    )
    assert failure(definition, {}) == (
        QUERY,
        "The JSONata expression '$states.input.missing' specified for the field 'Seconds' "
        "returned nothing (undefined).",
    )


def test_map_items_and_item_selector_with_context():
    definition = machine(
        {
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.orders %}",
                "ItemSelector": {
                    "value": "{% $states.context.Map.Item.Value %}",
                    "index": "{% $states.context.Map.Item.Index %}",
                    "customer": "{% $states.input.customer %}",
                },
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        }
    )
    out = run(definition, {"orders": ["a", "b"], "customer": "c"})
    assert out == [
        {"value": "a", "index": 0, "customer": "c"},
        {"value": "b", "index": 1, "customer": "c"},
    ]


def test_per_state_query_language_mixes_with_jsonpath():
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"value": "{% $states.input.x + $states.input.y %}"},
                "End": True,
            },
        },
    }
    assert run(definition, {"x": 10, "y": 20}) == {"value": 30}


def test_validation_rejects_an_expression_that_does_not_parse():
    definition = machine({"S": {"Type": "Pass", "Output": "{% a[1,2) %}", "End": True}})
    assert [d["code"] for d in validate(definition)] == ["INVALID_JSONATA"]


def test_step_functions_functions_apply_partially_and_as_values():
    out = output_of(
        {
            "chunks": "{% $states.input.xs ~> $partition(?, 2) %}",
            "parsed": "{% $map($states.input.texts, $parse) %}",
        },
        {"xs": [3, 1, 2], "texts": ["[1]", "2"]},
    )
    assert out == {"chunks": [[3, 1], [2]], "parsed": [[1], 2]}
