import json

import pytest

from podium.asl import validate

GOOD = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}


def codes(definition):
    return {(d["code"], d["location"]) for d in validate(definition)}


def test_valid_definition_and_json_text():
    assert validate(GOOD) == []
    assert validate(json.dumps(GOOD)) == []


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ({"States": GOOD["States"]}, ("MISSING_FIELD", "/StartAt")),
        ({"StartAt": "X", "States": GOOD["States"]}, ("UNKNOWN_STATE", "/StartAt")),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Z"}}},
            ("UNKNOWN_STATE", "/States/A/Next"),
        ),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}, ("INVALID_FLOW", "/States/A")),
        (
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "End": True}, "B": {"Type": "Succeed"}},
            },
            ("UNREACHABLE_STATE", "/States/B"),
        ),
        ({"StartAt": "A", "States": {"A": {"Type": "Bogus"}}}, ("INVALID_VALUE", "/States/A/Type")),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Resource": "x"}}},
            ("UNKNOWN_FIELD", "/States/A/Resource"),
        ),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "InputPath": "nope"}}},
            ("INVALID_PATH", "/States/A/InputPath"),
        ),
        (
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "End": True, "ResultPath": "$.a[*]"}},
            },
            ("INVALID_PATH", "/States/A/ResultPath"),
        ),
        (
            {
                "StartAt": "A",
                "States": {
                    "A": {"Type": "Pass", "End": True, "Parameters": {"x.$": "States.Nope()"}}
                },
            },
            ("INVALID_INTRINSIC", "/States/A/Parameters/x.$"),
        ),
        (
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "Next": "A"}]}},
            },
            ("INVALID_RULE", "/States/A/Choices/0"),
        ),
        (
            {
                "StartAt": "A",
                "States": {
                    "A": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$.x", "NumericEquals": "1", "Next": "A"}],
                    }
                },
            },
            ("INVALID_TYPE", "/States/A/Choices/0/NumericEquals"),
        ),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Wait", "End": True}}},
            ("INVALID_FIELDS", "/States/A"),
        ),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Task", "End": True}}},
            ("MISSING_FIELD", "/States/A/Resource"),
        ),
        (
            {
                "StartAt": "A",
                "States": {
                    "A": {
                        "Type": "Task",
                        "Resource": "r",
                        "End": True,
                        "Retry": [{"ErrorEquals": ["States.ALL", "X"]}],
                    }
                },
            },
            ("INVALID_ERROR_EQUALS", "/States/A/Retry/0/ErrorEquals"),
        ),
        (
            {
                "StartAt": "A",
                "States": {
                    "A": {
                        "Type": "Task",
                        "Resource": "r",
                        "End": True,
                        "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}],
                    }
                },
            },
            ("INVALID_VALUE", "/States/A/Retry/0/BackoffRate"),
        ),
        (
            {
                "StartAt": "A",
                "States": {
                    "A": {
                        "Type": "Task",
                        "Resource": "r",
                        "End": True,
                        "Catch": [{"ErrorEquals": ["X"], "Next": "Q"}],
                    }
                },
            },
            ("UNKNOWN_STATE", "/States/A/Catch/0/Next"),
        ),
        (
            {
                "StartAt": "A",
                "States": {
                    "A": {
                        "Type": "Parallel",
                        "End": True,
                        "Branches": [
                            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "A"}}}
                        ],
                    }
                },
            },
            ("UNKNOWN_STATE", "/States/A/Branches/0/States/B/Next"),
        ),
        (
            {
                "QueryLanguage": "JSONata",
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "End": True, "InputPath": "$"}},
            },
            ("UNKNOWN_FIELD", "/States/A/InputPath"),
        ),
        (
            {
                "QueryLanguage": "JSONata",
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "End": True, "Output": "{% ( %}"}},
            },
            ("INVALID_JSONATA", "/States/A/Output"),
        ),
        (
            {"StartAt": "A" * 81, "States": {"A" * 81: {"Type": "Succeed"}}},
            ("INVALID_NAME", "/States/" + "A" * 81),
        ),
    ],
)
def test_problems(definition, expected):
    assert expected in codes(definition)


def test_diagnostic_shape():
    (diag,) = validate({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Z"}}})
    assert set(diag) == {"code", "location", "message", "severity"}
    assert diag["severity"] == "error"


def test_not_json():
    assert validate("{nope")[0]["code"] == "INVALID_JSON"
