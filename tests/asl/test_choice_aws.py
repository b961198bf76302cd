"""Choice states in JSONPath, pinned to Step Functions' documented and observed behaviour.

The type-mismatch tables follow executions recorded against AWS: a comparison whose value
has the wrong type is simply false (never an error), and only a Variable (or `...Path`
target) that does not exist is a States.Runtime error.
"""

import pytest

from podium.asl import errors

from .helpers import run

CASES = [None, 0, 0.0, 1, 1.1, "", " ", "HelloWorld", [], [""], {}, {"A": 0}, True, False]


def decide(rule, value):
    """Run a Choice on {"Variable": value, ...} and say which way it went."""
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.Variable", **rule, "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Pass", "Result": True, "End": True},
            "No": {"Type": "Pass", "Result": False, "End": True},
        },
    }
    data = value if isinstance(value, dict) and "Variable" in value else {"Variable": value}
    return run(definition, data)


def failure(rule, data):
    definition = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{**rule, "Next": "E"}], "Default": "E"},
            "E": {"Type": "Succeed"},
        },
    }
    with pytest.raises(errors.ASLError) as info:
        run(definition, data)
    return info.value.error, info.value.cause


# -- type tests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "holds_for"),
    [
        ("IsNull", [None]),
        ("IsNumeric", [0, 0.0, 1, 1.1]),
        ("IsString", ["", " ", "HelloWorld"]),
        ("IsBoolean", [True, False]),
        ("IsPresent", CASES),
    ],
)
def test_type_tests_against_every_json_type(op, holds_for):
    for value in CASES:
        expected = any(value is v or (type(value) is type(v) and value == v) for v in holds_for)
        assert decide({op: True}, value) is expected, (op, value)
        assert decide({op: False}, value) is (not expected), (op, value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2016-03-14T01:59:00Z", True),
        ("2016-03-14T01:59:00.123Z", True),
        ("2016-03-14T01:59:00.123456789+05:30", True),
        ("2016-03-14T01:59:00-00:00", True),
        ("2012-10-09T19:00:55", False),
        ("2023-02-24", False),
        ("2016-03-14t01:59:00z", False),
        ("2016-03-14 01:59:00Z", False),
        ("2016-02-30T01:59:00Z", False),
        ("HelloWorld", False),
        (20160314, False),
    ],
)
def test_is_timestamp(value, expected):
    assert decide({"IsTimestamp": True}, value) is expected


def test_is_present_false_on_a_missing_field_and_true_on_null():
    assert decide({"IsPresent": False}, {"Variable": 1, "other": 2}) is False
    definition_input = {"other": 2}
    rule = {"Variable": "$.missing", "IsPresent": False, "Next": "Yes"}
    machine = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [rule], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": "absent", "End": True},
            "No": {"Type": "Pass", "Result": "present", "End": True},
        },
    }
    assert run(machine, definition_input) == "absent"
    assert run(machine, {"missing": None}) == "present"


# -- comparisons with the wrong type are false --------------------------------------------


@pytest.mark.parametrize("value", CASES)
def test_string_equals_only_matches_an_equal_string(value):
    assert decide({"StringEquals": "HelloWorld"}, value) is (value == "HelloWorld")


@pytest.mark.parametrize("value", CASES)
def test_numeric_equals_only_matches_numbers(value):
    numeric = type(value) in (int, float)
    assert decide({"NumericEquals": 0}, value) is (numeric and value == 0)
    assert decide({"NumericEquals": 1.0}, value) is (numeric and value == 1)


@pytest.mark.parametrize("value", CASES)
def test_boolean_equals_only_matches_booleans(value):
    assert decide({"BooleanEquals": True}, value) is (value is True)
    assert decide({"BooleanEquals": False}, value) is (value is False)


@pytest.mark.parametrize("value", [None, 0, "", "2012-10-09T19:00:55", [], {}, True])
def test_timestamp_comparisons_on_non_timestamps_are_false(value):
    for op in ("TimestampEquals", "TimestampLessThan", "TimestampGreaterThanEquals"):
        assert decide({op: "2012-10-09T19:00:55Z"}, value) is False


# -- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "variable", "value", "expected"),
    [
        ("NumericEquals", 1, 1.0, True),
        ("NumericEquals", 0.0, 0, True),
        ("NumericEquals", -0, 0, True),
        ("NumericEquals", 2.22, 2.22, True),
        ("NumericEquals", 1.1, 1, False),
        ("NumericGreaterThan", 1, 0, True),
        ("NumericGreaterThan", 1, 1, False),
        ("NumericGreaterThanEquals", 1, 1, True),
        ("NumericLessThan", 0, 1, True),
        ("NumericLessThan", 0.0, 0, False),
        ("NumericLessThanEquals", 0.0, 0, True),
        ("NumericLessThanEquals", 1, 0, False),
    ],
)
def test_numeric_comparisons(op, variable, value, expected):
    assert decide({op: value}, variable) is expected
    assert decide({f"{op}Path": "$.Value"}, {"Variable": variable, "Value": value}) is expected


# -- strings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "variable", "value", "expected"),
    [
        ("StringEquals", " ", "     ", False),
        ("StringEquals", "\t\n", "\t\r\n", False),
        ("StringEquals", "Hello", "Hello", True),
        ("StringEquals", "hello", "Hello", False),
        ("StringGreaterThan", "", "", False),
        ("StringGreaterThan", "A", "A ", False),
        ("StringGreaterThan", "AB", "ABC", False),
        ("StringGreaterThan", "b", "a", True),
        ("StringGreaterThan", "a", "B", True),
        ("StringGreaterThanEquals", "", "", True),
        ("StringGreaterThanEquals", "A", "AB", False),
        ("StringGreaterThanEquals", "AB", "A", True),
        ("StringLessThan", "", "", False),
        ("StringLessThan", "A", "AB", True),
        ("StringLessThan", "AB", "A", False),
        ("StringLessThanEquals", "", "", True),
        ("StringLessThanEquals", "A", "AB", True),
        ("StringLessThanEquals", "AB", "A", False),
    ],
)
def test_string_comparisons(op, variable, value, expected):
    assert decide({op: value}, variable) is expected
    assert decide({f"{op}Path": "$.Value"}, {"Variable": variable, "Value": value}) is expected


def test_strings_order_by_utf16_code_unit_as_java_does():
    # U+1D11E is a surrogate pair (D834 DD1E), which sorts before U+FF21 in UTF-16.
    assert decide({"StringLessThan": "\uff21"}, "\U0001d11e") is True
    assert decide({"StringLessThan": "\u00e9"}, "z") is True


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("log-*.txt", "log-2024.txt", True),
        ("log-*.txt", "log-.txt", True),
        ("log-*.txt", "log-2024.csv", False),
        ("*.log", "x/y.log", True),
        ("*", "", True),
        ("a*b*c", "aXXbYYc", True),
        ("a*b*c", "aXXcYYb", False),
        ("LOG-*", "log-1", False),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("a\\\\*", "a\\anything", True),
        ("exact", "exact", True),
        ("exact", "exactly", False),
        ("a.c", "abc", False),
        ("a?c", "abc", False),
    ],
)
def test_string_matches(pattern, value, expected):
    assert decide({"StringMatches": pattern}, value) is expected


def test_string_matches_on_a_non_string_is_false():
    assert decide({"StringMatches": "*"}, 1) is False
    assert decide({"StringMatches": "*"}, None) is False


# -- timestamps -----------------------------------------------------------------------------

T0 = "2012-10-09T19:00:55Z"
T1 = "2012-10-09T19:00:56Z"


@pytest.mark.parametrize(
    ("op", "variable", "value", "expected"),
    [
        ("TimestampEquals", T0, T0, True),
        ("TimestampEquals", T0, T1, False),
        ("TimestampEquals", T0, "2012-10-09T20:00:55+01:00", True),
        ("TimestampEquals", T0, "2012-10-09T19:00:55.000Z", True),
        ("TimestampEquals", "2012-10-09T19:00:55.5Z", "2012-10-09T19:00:55.500000001Z", True),
        ("TimestampGreaterThan", T1, T0, True),
        ("TimestampGreaterThan", T0, T1, False),
        ("TimestampGreaterThan", "2012-10-09T19:00:55.001Z", T0, True),
        ("TimestampGreaterThan", "2012-10-09T19:30:00-01:00", "2012-10-09T20:00:00Z", True),
        ("TimestampGreaterThanEquals", T0, T0, True),
        ("TimestampLessThan", T0, T1, True),
        ("TimestampLessThan", T1, T0, False),
        ("TimestampLessThanEquals", T0, T0, True),
        ("TimestampLessThanEquals", T1, T0, False),
    ],
)
def test_timestamp_comparisons_are_by_instant(op, variable, value, expected):
    assert decide({op: value}, variable) is expected
    assert decide({f"{op}Path": "$.Value"}, {"Variable": variable, "Value": value}) is expected


# -- paths ----------------------------------------------------------------------------------


def test_missing_variable_is_a_runtime_error():
    assert failure({"Variable": "$.missing", "StringEquals": "x"}, {"a": 1}) == (
        "States.Runtime",
        "Invalid path '$.missing': The choice state's condition path references an invalid value.",
    )


@pytest.mark.parametrize("op", ["IsNull", "IsString", "IsNumeric", "IsBoolean", "IsTimestamp"])
def test_type_tests_on_a_missing_variable_are_runtime_errors(op):
    error, _ = failure({"Variable": "$.missing", op: False}, {})
    assert error == "States.Runtime"


def test_path_operand_that_is_missing_is_a_runtime_error():
    error, cause = failure({"Variable": "$.a", "NumericEqualsPath": "$.b"}, {"a": 1})
    assert error == "States.Runtime"
    assert cause.startswith("Invalid path '$.b'")


def test_is_present_guard_short_circuits_and():
    rule = {
        "And": [
            {"Variable": "$.keyThatMightNotExist", "IsPresent": True},
            {"Variable": "$.keyThatMightNotExist", "StringEquals": "foo"},
        ]
    }
    assert decide(rule, {"Variable": 0}) is False
    assert decide(rule, {"Variable": 0, "keyThatMightNotExist": "foo"}) is True


def test_or_short_circuits_before_a_missing_path():
    rule = {
        "Or": [
            {"Variable": "$.Variable", "NumericEquals": 1},
            {"Variable": "$.missing", "NumericEquals": 1},
        ]
    }
    assert decide(rule, 1) is True
    with pytest.raises(errors.ASLError):
        decide(rule, 2)


def test_nested_and_or_not():
    rule = {
        "Not": {
            "Or": [
                {
                    "And": [
                        {"Variable": "$.a", "NumericGreaterThan": 1},
                        {"Not": {"Variable": "$.b", "BooleanEquals": True}},
                    ]
                },
                {"Variable": "$.c", "StringEquals": "x"},
            ]
        }
    }
    assert decide(rule, {"Variable": 0, "a": 2, "b": False, "c": "y"}) is False
    assert decide(rule, {"Variable": 0, "a": 2, "b": True, "c": "y"}) is True
    assert decide(rule, {"Variable": 0, "a": 0, "b": True, "c": "x"}) is False


def test_variable_and_path_operands_may_read_the_context_object():
    assert decide({"StringEqualsPath": "$$.Execution.Name"}, "exec-1") is True
    rule = {"Variable": "$$.State.Name", "StringEquals": "C"}
    assert decide({"Or": [rule]}, 0) is True


def test_variable_and_path_operands_may_read_variables():
    definition = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"limit": 10, "cfg": {"mode": "fast"}}, "Next": "C"},
            "C": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.n", "NumericLessThanPath": "$limit"},
                            {"Variable": "$cfg.mode", "StringEquals": "fast"},
                        ],
                        "Next": "Yes",
                    }
                ],
                "Default": "No",
            },
            "Yes": {"Type": "Pass", "Result": "yes", "End": True},
            "No": {"Type": "Pass", "Result": "no", "End": True},
        },
    }
    assert run(definition, {"n": 3}) == "yes"
    assert run(definition, {"n": 30}) == "no"


# -- the state ------------------------------------------------------------------------------


def test_no_match_and_no_default_is_no_choice_matched():
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.v", "NumericEquals": 1, "Next": "E"}],
            },
            "E": {"Type": "Succeed"},
        },
    }
    with pytest.raises(errors.ASLError) as info:
        run(definition, {"v": 2})
    assert info.value.error == "States.Runtime"
    assert run(definition, {"v": 1}) == {"v": 1}


def test_first_matching_rule_wins():
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.v", "NumericGreaterThan": 0, "Next": "A"},
                    {"Variable": "$.v", "NumericGreaterThan": 5, "Next": "B"},
                ],
            },
            "A": {"Type": "Pass", "Result": "A", "End": True},
            "B": {"Type": "Pass", "Result": "B", "End": True},
        },
    }
    assert run(definition, {"v": 10}) == "A"


def test_choice_input_path_and_output_path():
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "InputPath": "$.order",
                "OutputPath": "$.items",
                "Choices": [{"Variable": "$.total", "NumericGreaterThan": 100, "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Pass", "Parameters": {"big.$": "$"}, "End": True},
            "Small": {"Type": "Pass", "Parameters": {"small.$": "$"}, "End": True},
        },
    }
    big = {"order": {"total": 150, "items": [1, 2]}, "other": True}
    assert run(definition, big) == {"big": [1, 2]}
    small = {"order": {"total": 5, "items": [1, 2]}, "other": True}
    assert run(definition, small) == {"small": [1, 2]}


def test_choice_rule_assign_with_jsonpath():
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.v",
                        "NumericGreaterThan": 0,
                        "Assign": {"picked": "positive", "value.$": "$.v"},
                        "Next": "Done",
                    }
                ],
                "Default": "Done",
            },
            "Done": {
                "Type": "Pass",
                "Parameters": {"picked.$": "$picked", "value.$": "$value"},
                "End": True,
            },
        },
    }
    assert run(definition, {"v": 4}) == {"picked": "positive", "value": 4}
