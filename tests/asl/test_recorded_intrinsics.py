"""Intrinsic functions against outputs Step Functions recorded for real executions.

Every case runs a one-state machine whose Pass state puts the call's value under
"FunctionResult", with the execution input {"FunctionInput": <value>}; the expected values
are the outputs AWS wrote to the execution history for the same call and input.
"""

import hashlib
import json
from typing import Any

import pytest

from tests.asl.helpers import run

FST, SND, TRD = "$.FunctionInput.fst", "$.FunctionInput.snd", "$.FunctionInput.trd"


def call(expression, value):
    """The value of `expression` in a Pass state run on {"FunctionInput": value}."""
    state = {"Type": "Pass", "Parameters": {"FunctionResult.$": expression}, "End": True}
    out = run({"StartAt": "S", "States": {"S": state}}, {"FunctionInput": value})
    return out["FunctionResult"]


def pair(fst, snd, trd=None):
    return {"fst": fst, "snd": snd} if trd is None else {"fst": fst, "snd": snd, "trd": trd}


JSON_TEXT = '{"Arg1": 1, "Arg2": []}'
SAMPLES = ["", " ", "HelloWorld", None, 1, 1.1, JSON_TEXT, {"Arg1": 1, "Arg2": []}]

ARRAY: list[tuple[str, Any, Any]] = [("States.Array()", "HelloWorld", [])] + [
    (f"States.Array({FST}, {SND})", pair(v, v), [v, v]) for v in SAMPLES
]

PARTITION = [
    (f"States.ArrayPartition({FST}, {SND})", pair(list(range(n)), size), chunks)
    for n, size, chunks in [
        (0, 1, []),
        (0, 5, []),
        (1, 1, [[0]]),
        (1, 5, [[0]]),
        (2, 1, [[0], [1]]),
        (3, 2, [[0, 1], [2]]),
        (4, 3, [[0, 1, 2], [3]]),
        (4, 4, [[0, 1, 2, 3]]),
        (4, 5, [[0, 1, 2, 3]]),
    ]
]

CONTAINS = [
    (f"States.ArrayContains({FST}, {SND})", pair(items, value), found)
    for items, value, found in [
        ([], None, False),
        ([], [], False),
        ([], 1, False),
        ([[1, 2, 3], 2], None, False),
        ([[1, 2, 3], 2], [1, 2, 3], True),
        ([{"1": 2, "2": []}], [], False),
        ([{"1": 2, "2": []}], {"1": 2, "2": []}, True),
        ([True, False], True, True),
        ([True, False], False, True),
    ]
]

RANGE = [
    (f"States.ArrayRange({FST}, {SND}, {TRD})", pair(a, b, c), out)
    for a, b, c, out in [
        (0, 9, 3, [0, 3, 6, 9]),
        (0, 10, 3, [0, 3, 6, 9]),
        (1, 9, 9, [1]),
        (1, 9, 2, [1, 3, 5, 7, 9]),
    ]
]

MIXED: list[Any] = [None, None, True, True, False, False, 1, 1, 1.1, 0, 0, "HelloWorld"]
MIXED += ["HelloWorld", [], [], [None], [None], {"a": 1, "b": 2}, {"a": 1, "b": 2}]
MIXED += [{"a": 1, "b": 1}]
CSV_PARTS = ["Value1", "Value2", "Value3\nValue4", "Value5", "Value6\n", "\ntrue", "1"]
CSV_PARTS += ["'HelloWorld'\nNull", "None", "\n   \n"]

ARRAY_ACCESS = [
    (f"States.ArrayGetItem({FST}, {SND})", pair([1, 2, 3, 4, 5, 6, 7, 8, 9], 5), 6),
    ("States.ArrayLength($.FunctionInput)", [1, 2, 3, 4, 5, 6, 7, 8, 9], 9),
    (
        "States.ArrayLength($.FunctionInput)",
        MIXED,
        20,
    ),
]

SPLIT = [
    (f"States.StringSplit({FST}, {SND})", pair(text, sep), parts)
    for text, sep, parts in [
        (" ", ",", [" "]),
        (" , ", ",", [" ", " "]),
        (", , ,", ",", [" ", " "]),
        (",,,,", ",", []),
        ("1,2,3,4,5", ",", ["1", "2", "3", "4", "5"]),
        ("This.is+a,test=string", ".+,=", ["This", "is", "a", "test", "string"]),
        ("split on T and \nnew line", "T\n", ["split on ", " and ", "new line"]),
    ]
] + [
    (
        "States.StringSplit($$.Execution.Input.FunctionInput, ',')",
        "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n",
        CSV_PARTS,
    ),
    ("States.StringSplit('Hello\nWorld', '\n')", None, ["Hello", "World"]),
]

FORMAT_ONE = "States.Format('Formatting argument {}.', $.FunctionInput)"
FORMAT_TWO = f"States.Format('Formatting arguments fst={{}} and snd={{}}.', {FST}, {SND})"
RENDERED = ["", " ", "HelloWorld", "null", "1", "1.1", JSON_TEXT, "{Arg1=1, Arg2=[]}"]
FORMAT = [
    (FORMAT_ONE, v, f"Formatting argument {text}.")
    for v, text in zip(SAMPLES[:-1], RENDERED[:-1], strict=True)
] + [
    (FORMAT_TWO, pair(v, v), f"Formatting arguments fst={text} and snd={text}.")
    for v, text in zip(SAMPLES, RENDERED, strict=True)
]

STRING_TO_JSON = [
    ("States.StringToJson($.FunctionInput)", text, value)
    for text, value in [
        ("", None),
        (" ", None),
        ("null", None),
        ("-0", 0),
        ("1", 1),
        ("1.1", 1.1),
        ("true", True),
        ('"HelloWorld"', "HelloWorld"),
        ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]),
        (JSON_TEXT, {"Arg1": 1, "Arg2": []}),
    ]
]

JSON_TO_STRING = [
    ("States.JsonToString($.FunctionInput)", value, text)
    for value, text in [
        (None, "null"),
        (0, "0"),
        (1, "1"),
        (1.1, "1.1"),
        (True, "true"),
        ("HelloWorld", '"HelloWorld"'),
        ([1, 2, "HelloWorld"], '[1,2,"HelloWorld"]'),
        ({"Arg1": 1, "Arg2": []}, '{"Arg1":1,"Arg2":[]}'),
    ]
]

ENCODING = [
    ("States.Base64Encode($.FunctionInput)", "", ""),
    ("States.Base64Encode($.FunctionInput)", "Data to encode", "RGF0YSB0byBlbmNvZGU="),
    ("States.Base64Decode($.FunctionInput)", "", ""),
    ("States.Base64Decode($.FunctionInput)", "RGF0YSB0byBlbmNvZGU=", "Data to encode"),
] + [
    (
        f"States.Hash({FST}, {SND})",
        pair("input data", name),
        hashlib.new(algorithm, b"input data").hexdigest(),
    )
    for name, algorithm in [
        ("MD5", "md5"),
        ("SHA-1", "sha1"),
        ("SHA-256", "sha256"),
        ("SHA-384", "sha384"),
        ("SHA-512", "sha512"),
    ]
]

MATH_ADD = [
    (f"States.MathAdd({FST}, {SND})", pair(a, b), total)
    for a, b, total in [
        (-9, 3, -6),
        (1.49, 1.5, 3),
        (1.5, 1.51, 4),
        (-1.49, -1.5, -2),
        (-1.5, -1.51, -3),
        (1.49, 0, 1),
        (1.49, -1.49, 0),
        (1.5, 0, 2),
        (1.51, 0, 2),
        (-1.49, 0, -1),
        (-1.5, 0, -1),
        (-1.51, 0, -2),
        (0.5, 0, 1),
        (2.5, 0, 3),
        (3.5, 0, 4),
        (-0.5, 0.5, 1),
        (-0.5, 0, 0),
        (-2.5, 0, -2),
        (-3.5, 0, -3),
    ]
]

CASES = (
    ARRAY
    + PARTITION
    + CONTAINS
    + RANGE
    + ARRAY_ACCESS
    + SPLIT
    + FORMAT
    + STRING_TO_JSON
    + JSON_TO_STRING
    + ENCODING
    + MATH_ADD
)


@pytest.mark.parametrize(("expression", "value", "expected"), CASES)
def test_recorded_output(expression, value, expected):
    got = call(expression, value)
    assert json.dumps(got) == json.dumps(expected)


def test_json_merge_keeps_the_second_value_and_orders_keys_as_aws_did():
    value = pair(
        {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3}, {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4}
    )
    got = call(f"States.JsonMerge({FST}, {SND}, false)", value)
    assert json.dumps(got) == json.dumps({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4})


def test_json_merge_of_a_literal_with_the_execution_input():
    state = {
        "Type": "Pass",
        "Parameters": {
            "merged.$": 'States.JsonMerge(States.StringToJson(\'{"constant_in_literal": '
            '"false"}\'), $$.Execution.Input.input_field, false)'
        },
        "ResultPath": "$.result_path",
        "OutputPath": "$.result_path.merged",
        "End": True,
    }
    out = run(
        {"StartAt": "S", "States": {"S": state}},
        {"input_field": {"constant_input_field": "constant_value"}},
    )
    # AWS listed the input's key before the literal's.
    assert list(out.items()) == [
        ("constant_input_field", "constant_value"),
        ("constant_in_literal", "false"),
    ]


def test_format_renders_context_values_like_java_maps():
    state = {
        "Type": "Pass",
        "Parameters": {
            "r.$": "States.Format('Formatting arguments fst={} and snd={}.', "
            "$$.Execution.Name, $$.StateMachine)",
            "name.$": "$$.Execution.Name",
            "machine.$": "$$.StateMachine",
        },
        "End": True,
    }
    out = run({"StartAt": "S", "States": {"S": state}}, {"FunctionInput": None})
    machine = out["machine"]
    assert list(machine) == ["Id", "Name"]
    assert out["r"] == (
        f"Formatting arguments fst={out['name']} and "
        f"snd={{Id={machine['Id']}, Name={machine['Name']}}}."
    )


@pytest.mark.parametrize(
    "expression",
    [
        "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)",
        "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), "
        "States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
    ],
)
def test_nested_calls_over_the_state_machine_name(expression):
    state = {
        "Type": "Pass",
        "Parameters": {"r.$": expression, "name.$": "$$.StateMachine.Name"},
        "End": True,
    }
    out = run({"StartAt": "S", "States": {"S": state}}, {"FunctionInput": None})
    assert out["r"] == out["name"].split("-")[-1 if "MathAdd" in expression else 0]


@pytest.mark.parametrize(("fst", "snd"), [(12.5, 44.51), (9999, 99999), (-99999, -9999), (0, 999)])
def test_math_random_draws_an_integer_in_the_rounded_range(fst, snd):
    got = call(f"States.MathRandom({FST}, {SND})", pair(fst, snd))
    low, high = round(fst + 0.001), round(snd)
    assert isinstance(got, int) and low <= got < high


def test_seeded_math_random_is_repeatable():
    first = call(f"States.MathRandom({FST}, {SND}, {TRD})", pair(0, 999, 3))
    assert first == call(f"States.MathRandom({FST}, {SND}, {TRD})", pair(0, 999, 3))
    assert 0 <= first < 999


def test_uuid_is_a_random_version_4_uuid():
    first = call("States.UUID()", None)
    assert len(first) == 36 and first[14] == "4" and first != call("States.UUID()", None)
