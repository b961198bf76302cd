"""Choice comparison operators against outcomes Step Functions recorded for real executions.

Each case runs a Choice state with one rule on `$.Variable` (the compared value written
literally in the rule, or read from `$.Value` for the *Path operators), leading to a state
that reports whether the rule matched; the expected outcomes are what AWS did.
"""

import pytest

from tests.asl.helpers import run

TIMESTAMP_0, TIMESTAMP_1 = "2012-10-09T19:00:55Z", "2012-10-09T19:00:56Z"

# The values AWS tested the type-checking operators with, each paired with the rule's value.
TYPE_CASES = [
    (None, True),
    (None, False),
    (0, True),
    (0, False),
    (0.0, True),
    (0.0, False),
    (1, True),
    (1, False),
    (1.1, True),
    (1.1, False),
    ("", True),
    ("", False),
    (" ", True),
    (" ", False),
    ("HelloWorld", True),
    ("HelloWorld", False),
    ("2012-10-09T19:00:55", True),
    ("2012-10-09T19:00:55", False),
    (TIMESTAMP_0, True),
    (TIMESTAMP_0, False),
    ("2012-10-09T19:00:55+01:00", True),
    ("2012-10-09T19:00:55+01:00", False),
    ("2023-02-24", True),
    ("2023-02-24", False),
    ([], True),
    ([], False),
    ([""], True),
    ([""], False),
    ({}, True),
    ({}, False),
    ({"A": 0}, True),
    ({"A": 0}, False),
    (True, True),
    (False, True),
    (False, False),
]
OTHER_TYPES = [None, 0, 0.0, 1, 1.1, "", " ", [], [""], {}, {"A": 0}, False, True]


def matched(operator, variable, value):
    """Whether a Choice rule `operator` on {"Variable": variable, "Value": value} matches."""
    literal = not operator.endswith("Path")
    rule = {"Variable": "$.Variable", operator: value if literal else "$.Value", "Next": "Yes"}
    machine = {
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Choice", "Choices": [rule], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": {"TestResult.$": "ConditionTrue"}, "End": True},
            "No": {"Type": "Pass", "Result": {"TestResult.$": "ConditionFalse"}, "End": True},
        },
    }
    out = run(machine, {"Variable": variable, "Value": value})
    return {"ConditionTrue": True, "ConditionFalse": False}[out["TestResult.$"]]


def is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_test_outcomes(operator, holds):
    """AWS's outcome for each type case: the test result compared with the rule's boolean."""
    return [(operator, v, flag, holds(v) == flag) for v, flag in TYPE_CASES]


RECORDED = (
    type_test_outcomes("IsBoolean", lambda v: isinstance(v, bool))
    + type_test_outcomes("IsNull", lambda v: v is None)
    + type_test_outcomes("IsNumeric", is_number)
    + type_test_outcomes("IsPresent", lambda v: True)
    + type_test_outcomes("IsString", lambda v: isinstance(v, str))
    + [
        (op, v, flag, isinstance(v, bool) and v == flag)
        for op in ("BooleanEquals", "BooleanEqualsPath")
        for v, flag in TYPE_CASES
    ]
    + [
        (op, v, n, is_number(v) and v == n)
        for op in ("NumericEquals", "NumericEqualsPath")
        for v in OTHER_TYPES
        for n in (0, 0.0, 1, 1.0)
    ]
    + [
        (op, v, n, True)
        for op in ("NumericEquals", "NumericEqualsPath")
        for v, n in [(0, 0), (0.0, 0), (2.22, 2.22)]
    ]
)

NUMBER_PAIRS = [(0, 0), (0.0, 0), (0, 1), (1, 1), (1, 0)]
NUMERIC_ORDER = {
    "NumericGreaterThan": [False, False, False, False, True],
    "NumericGreaterThanEquals": [True, True, False, True, True],
    "NumericLessThan": [False, False, True, False, False],
    "NumericLessThanEquals": [True, True, True, True, False],
}
for name, outcomes in NUMERIC_ORDER.items():
    for op in (name, name + "Path"):
        RECORDED += [(op, a, b, o) for (a, b), o in zip(NUMBER_PAIRS, outcomes, strict=True)]

RECORDED += [("StringEquals", v, "HelloWorld", False) for v in OTHER_TYPES]
STRING_ORDER = {
    "StringEquals": [(" ", "     ", False), ("\t\n", "\t\r\n", False), ("Hello", "Hello", True)],
    "StringGreaterThan": [
        ("", "", False),
        ("A", "A ", False),
        ("A", "A\t\n\r", False),
        ("AB", "ABC", False),
    ],
    "StringGreaterThanEquals": [("", "", True), ("A", "AB", False), ("AB", "A", True)],
    "StringLessThan": [("", "", False), ("A", "AB", True), ("AB", "A", False)],
    "StringLessThanEquals": [("", "", True), ("A", "AB", True), ("AB", "A", False)],
}
for name, cases in STRING_ORDER.items():
    for op in (name, name + "Path"):
        RECORDED += [(op, a, b, o) for a, b, o in cases]

RECORDED += [
    ("TimestampEquals", v, TIMESTAMP_0, False) for v in [*OTHER_TYPES, "2023-02-24 12:15:56.832957"]
]
TIME_PAIRS = [(TIMESTAMP_0, TIMESTAMP_0), (TIMESTAMP_0, TIMESTAMP_1), (TIMESTAMP_1, TIMESTAMP_0)]
TIMESTAMP_ORDER = {
    "TimestampEquals": [True, False, False],
    "TimestampGreaterThan": [False, False, True],
    "TimestampGreaterThanEquals": [True, False, True],
    "TimestampLessThan": [False, True, False],
    "TimestampLessThanEquals": [True, True, False],
}
for name, outcomes in TIMESTAMP_ORDER.items():
    RECORDED += [(name, a, b, o) for (a, b), o in zip(TIME_PAIRS, outcomes, strict=True)]
RECORDED += [
    ("TimestampEqualsPath", a, b, o)
    for (a, b), o in zip(TIME_PAIRS, [True, False, False], strict=True)
] + [
    ("TimestampGreaterThanPath", TIMESTAMP_0, TIMESTAMP_1, False),
    ("TimestampGreaterThanEqualsPath", TIMESTAMP_0, TIMESTAMP_1, False),
    ("TimestampLessThanPath", TIMESTAMP_1, TIMESTAMP_0, False),
    ("TimestampLessThanEqualsPath", TIMESTAMP_1, TIMESTAMP_0, False),
]

OPERATORS = sorted({case[0] for case in RECORDED})


@pytest.mark.parametrize("operator", OPERATORS)
def test_recorded_outcomes(operator):
    cases = [case for case in RECORDED if case[0] == operator]
    got = [(variable, value, matched(operator, variable, value)) for _, variable, value, _ in cases]
    assert got == [(variable, value, outcome) for _, variable, value, outcome in cases]


def test_every_recorded_case_is_covered():
    assert len(RECORDED) == 476 and len(OPERATORS) == 37
