import pytest

from podium.asl import choice, errors

from .helpers import run


def holds(rule, data):
    return choice.evaluate(rule, data, {}, {})


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Variable": "$.s", "StringEquals": "abc"}, True),
        ({"Variable": "$.s", "StringLessThan": "abd"}, True),
        ({"Variable": "$.s", "StringGreaterThanEquals": "abc"}, True),
        ({"Variable": "$.n", "NumericEquals": 5}, True),
        ({"Variable": "$.n", "NumericEquals": 5.0}, True),
        ({"Variable": "$.n", "NumericLessThan": 5}, False),
        ({"Variable": "$.n", "NumericLessThanEquals": 5}, True),
        ({"Variable": "$.n", "NumericGreaterThan": 4.5}, True),
        ({"Variable": "$.s", "NumericEquals": 5}, False),
        ({"Variable": "$.b", "BooleanEquals": True}, True),
        ({"Variable": "$.n", "BooleanEquals": True}, False),
        ({"Variable": "$.t", "TimestampEquals": "2001-01-01T12:00:00+00:00"}, True),
        ({"Variable": "$.t", "TimestampLessThan": "2001-01-01T12:00:01Z"}, True),
        ({"Variable": "$.t", "TimestampGreaterThan": "2000-01-01T12:00:00Z"}, True),
        ({"Variable": "$.s", "TimestampEquals": "2001-01-01T12:00:00Z"}, False),
        ({"Variable": "$.s", "StringEqualsPath": "$.s2"}, True),
        ({"Variable": "$.n", "NumericGreaterThanPath": "$.m"}, True),
        ({"Variable": "$.x", "IsPresent": False}, True),
        ({"Variable": "$.s", "IsPresent": True}, True),
        ({"Variable": "$.z", "IsNull": True}, True),
        ({"Variable": "$.n", "IsNumeric": True}, True),
        ({"Variable": "$.b", "IsNumeric": True}, False),
        ({"Variable": "$.s", "IsString": True}, True),
        ({"Variable": "$.b", "IsBoolean": True}, True),
        ({"Variable": "$.t", "IsTimestamp": True}, True),
        ({"Variable": "$.s", "IsTimestamp": False}, True),
        (
            {
                "And": [
                    {"Variable": "$.n", "NumericEquals": 5},
                    {"Variable": "$.b", "BooleanEquals": True},
                ]
            },
            True,
        ),
        (
            {
                "Or": [
                    {"Variable": "$.n", "NumericEquals": 6},
                    {"Variable": "$.s", "StringEquals": "x"},
                ]
            },
            False,
        ),
        ({"Not": {"Variable": "$.s", "StringEquals": "x"}}, True),
        ({"Variable": "$.file", "StringMatches": "log-*.txt"}, True),
        ({"Variable": "$.file", "StringMatches": "*.csv"}, False),
        ({"Variable": "$.star", "StringMatches": "a\\*b"}, True),
        ({"Variable": "$.star", "StringMatches": "a\\*c"}, False),
    ],
)
def test_rules(rule, expected):
    data = {
        "s": "abc",
        "s2": "abc",
        "n": 5,
        "m": 4,
        "b": True,
        "z": None,
        "t": "2001-01-01T12:00:00Z",
        "file": "log-2024.txt",
        "star": "a*b",
    }
    assert holds(rule, data) is expected


def test_missing_variable_is_a_runtime_error():
    with pytest.raises(errors.ASLError) as info:
        holds({"Variable": "$.missing", "StringEquals": "x"}, {})
    assert info.value.error == "States.Runtime"


MACHINE = {
    "StartAt": "C",
    "States": {
        "C": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.type", "StringEquals": "Private", "Next": "Private"},
                {
                    "And": [
                        {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                        {"Variable": "$.value", "NumericLessThan": 30},
                    ],
                    "Next": "Range",
                },
            ],
            "Default": "Other",
            "OutputPath": "$.value",
        },
        "Private": {"Type": "Pass", "Result": "private", "End": True},
        "Range": {"Type": "Pass", "Result": "range", "End": True},
        "Other": {"Type": "Fail", "Error": "NoMatch", "Cause": "nothing"},
    },
}


def test_choice_state_routes():
    assert run(MACHINE, {"type": "Private", "value": 1}) == "private"
    assert run(MACHINE, {"type": "Public", "value": 25}) == "range"
    with pytest.raises(errors.ASLError) as info:
        run(MACHINE, {"type": "Public", "value": 2})
    assert (info.value.error, info.value.cause) == ("NoMatch", "nothing")


def test_choice_output_path_and_no_default():
    machine = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "OutputPath": "$.v",
                "Choices": [{"Variable": "$.v", "NumericEquals": 1, "Next": "End"}],
            },
            "End": {"Type": "Succeed"},
        },
    }
    assert run(machine, {"v": 1}) == 1
    with pytest.raises(errors.ASLError) as info:
        run(machine, {"v": 2})
    assert info.value.error == "States.Runtime"
