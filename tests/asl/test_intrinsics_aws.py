"""Intrinsic functions as Step Functions runs them, through a Pass state's Parameters.

Each case is either an example from the AWS developer guide ("Intrinsic functions for
JSONPath states") or an output AWS recorded for a state machine run (execution histories
captured from real Step Functions). Every case runs twice: through `test_state` and through
the interpreter.
"""

import pytest

from podium.asl import DefinitionError, errors, java, test_state, validate
from tests.asl.helpers import run, single


def _pass(expression):
    return {"Type": "Pass", "Parameters": {"r.$": expression}, "End": True}


def via_test_state(expression, data):
    out = test_state(_pass(expression), data)
    if out["status"] == "FAILED":
        raise errors.failure(out["error"], out["cause"])
    return out["output"]["r"]


def via_interpreter(expression, data):
    return single(_pass(expression), data)["r"]


RUNNERS = pytest.mark.parametrize("call", [via_test_state, via_interpreter])

SHA_INPUT = "input data"

DOCUMENTED = [
    # States.Format, with the template written inline or taken from the input.
    (
        "States.Format('Hello, my name is {}.', $.name)",
        {"name": "Arnav", "template": "Hello, my name is {}."},
        "Hello, my name is Arnav.",
    ),
    (
        "States.Format($.template, $.name)",
        {"name": "Arnav", "template": "Hello, my name is {}."},
        "Hello, my name is Arnav.",
    ),
    (
        "States.StringToJson($.escapedJsonString)",
        {"escapedJsonString": '{"foo": "bar"}'},
        {"foo": "bar"},
    ),
    ("States.JsonToString($.unescapedJson)", {"unescapedJson": {"foo": "bar"}}, '{"foo":"bar"}'),
    ("States.Array($.Id)", {"Id": 123456}, [123456]),
    (
        "States.ArrayPartition($.inputArray,4)",
        {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]},
        [[1, 2, 3, 4], [5, 6, 7, 8], [9]],
    ),
    (
        "States.ArrayContains($.inputArray, $.lookingFor)",
        {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "lookingFor": 5},
        True,
    ),
    ("States.ArrayRange(1, 9, 2)", {}, [1, 3, 5, 7, 9]),
    (
        "States.ArrayGetItem($.inputArray, $.index)",
        {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5},
        6,
    ),
    ("States.ArrayLength($.inputArray)", {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}, 9),
    ("States.ArrayUnique($.inputArray)", {"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]}, [1, 2, 3, 4]),
    ("States.Base64Encode($.input)", {"input": "Data to encode"}, "RGF0YSB0byBlbmNvZGU="),
    ("States.Base64Decode($.base64)", {"base64": "RGF0YSB0byBlbmNvZGU="}, "Data to encode"),
    (
        "States.Hash($.Data, $.Algorithm)",
        {"Data": SHA_INPUT, "Algorithm": "SHA-1"},
        "aaff4a450a104cd177d28d18d74485e8cae074b7",
    ),
    (
        "States.JsonMerge($.json1, $.json2, false)",
        {"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}},
        {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3},
    ),
    ("States.MathAdd($.value1, $.step)", {"value1": 111, "step": -1}, 110),
    (
        "States.StringSplit($.inputString, $.splitter)",
        {"inputString": "1,2,3,4,5", "splitter": ","},
        ["1", "2", "3", "4", "5"],
    ),
    (
        "States.StringSplit($.inputString, $.splitter)",
        {"inputString": "This.is+a,test=string", "splitter": ".+,="},
        ["This", "is", "a", "test", "string"],
    ),
]


@RUNNERS
@pytest.mark.parametrize(("expression", "data", "expected"), DOCUMENTED)
def test_documented_examples(call, expression, data, expected):
    assert call(expression, data) == expected


@RUNNERS
def test_nine_nested_calls_from_the_guide(call):
    part = (
        "States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2),"
        " '.')"
    )
    expression = (
        f"States.Format('{{}}.{{}}.{{}}', States.ArrayGetItem({part}, 0), "
        f"States.ArrayGetItem({part}, 1), States.ArrayGetItem({part}, 2))"
    )
    arn = "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/myrecipe/1.0.0"
    assert call(expression, {"ImageRecipe": {"Arn": arn}}) == "1.0.0"


@RUNNERS
@pytest.mark.parametrize(
    ("algorithm", "digest"),
    [
        ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
        ("SHA-256", "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
        (
            "SHA-384",
            "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b"
            "87525bdc835ebb27e1fb9e9374a15562",
        ),
        (
            "SHA-512",
            "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce"
            "2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4",
        ),
    ],
)
def test_hash_algorithms(call, algorithm, digest):
    assert call(f"States.Hash($.d, '{algorithm}')", {"d": SHA_INPUT}) == digest


# What Step Functions returned for these inputs (recorded execution histories).
RECORDED = [
    # States.Format renders a value the way Java prints the parsed JSON.
    ("States.Format('Formatting argument {}.', $.v)", {"v": ""}, "Formatting argument ."),
    ("States.Format('Formatting argument {}.', $.v)", {"v": None}, "Formatting argument null."),
    ("States.Format('Formatting argument {}.', $.v)", {"v": 1}, "Formatting argument 1."),
    ("States.Format('Formatting argument {}.', $.v)", {"v": 1.1}, "Formatting argument 1.1."),
    (
        "States.Format('Formatting argument {}.', $.v)",
        {"v": '{"Arg1": 1, "Arg2": []}'},
        'Formatting argument {"Arg1": 1, "Arg2": []}.',
    ),
    (
        "States.Format('Formatting arguments fst={} and snd={}.', $.fst, $.snd)",
        {"fst": {"Arg1": 1, "Arg2": []}, "snd": {"Arg1": 1, "Arg2": []}},
        "Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}.",
    ),
    # States.StringToJson: blank text is null; numbers stay numbers.
    ("States.StringToJson($.s)", {"s": ""}, None),
    ("States.StringToJson($.s)", {"s": " "}, None),
    ("States.StringToJson($.s)", {"s": "null"}, None),
    ("States.StringToJson($.s)", {"s": "-0"}, 0),
    ("States.StringToJson($.s)", {"s": "1.1"}, 1.1),
    ("States.StringToJson($.s)", {"s": "true"}, True),
    ("States.StringToJson($.s)", {"s": '"HelloWorld"'}, "HelloWorld"),
    ("States.StringToJson($.s)", {"s": '[1, 2, "HelloWorld"]'}, [1, 2, "HelloWorld"]),
    # States.JsonToString writes compact JSON.
    ("States.JsonToString($.v)", {"v": None}, "null"),
    ("States.JsonToString($.v)", {"v": 1.1}, "1.1"),
    ("States.JsonToString($.v)", {"v": "HelloWorld"}, '"HelloWorld"'),
    ("States.JsonToString($.v)", {"v": [1, 2, "HelloWorld"]}, '[1,2,"HelloWorld"]'),
    ("States.JsonToString($.v)", {"v": {"Arg1": 1, "Arg2": []}}, '{"Arg1":1,"Arg2":[]}'),
    # States.Array keeps every value as it is.
    ("States.Array($.fst, $.snd)", {"fst": "", "snd": " "}, ["", " "]),
    ("States.Array($.fst, $.snd)", {"fst": None, "snd": 1.1}, [None, 1.1]),
    ("States.Array()", {}, []),
    # States.ArrayRange includes the end when a step lands on it.
    ("States.ArrayRange($.a, $.b, $.c)", {"a": 0, "b": 9, "c": 3}, [0, 3, 6, 9]),
    ("States.ArrayRange($.a, $.b, $.c)", {"a": 0, "b": 10, "c": 3}, [0, 3, 6, 9]),
    ("States.ArrayRange($.a, $.b, $.c)", {"a": 1, "b": 9, "c": 9}, [1]),
    # States.ArrayPartition: the last chunk holds the rest; an empty array has no chunks.
    ("States.ArrayPartition($.a, 2)", {"a": [0, 1, 2]}, [[0, 1], [2]]),
    ("States.ArrayPartition($.a, 5)", {"a": [0, 1, 2, 3]}, [[0, 1, 2, 3]]),
    ("States.ArrayPartition($.a, 1)", {"a": []}, []),
    # States.ArrayContains compares whole JSON values; true is not 1.
    ("States.ArrayContains($.a, $.v)", {"a": [[1, 2, 3], 2], "v": [1, 2, 3]}, True),
    ("States.ArrayContains($.a, $.v)", {"a": [[1, 2, 3], 2], "v": None}, False),
    ("States.ArrayContains($.a, $.v)", {"a": [True, False], "v": False}, True),
    ("States.ArrayContains($.a, $.v)", {"a": [{"1": 2, "2": []}], "v": {"1": 2, "2": []}}, True),
    ("States.ArrayContains($.a, $.v)", {"a": [1], "v": True}, False),
    # States.MathAdd rounds each number as Java's Math.round does (halves up).
    ("States.MathAdd($.a, $.b)", {"a": -9, "b": 3}, -6),
    ("States.MathAdd($.a, $.b)", {"a": 1.49, "b": 1.5}, 3),
    ("States.MathAdd($.a, $.b)", {"a": 1.5, "b": 1.51}, 4),
    ("States.MathAdd($.a, $.b)", {"a": -1.49, "b": -1.5}, -2),
    ("States.MathAdd($.a, $.b)", {"a": -1.5, "b": -1.51}, -3),
    ("States.MathAdd($.a, $.b)", {"a": -1.51, "b": 0}, -2),
    ("States.MathAdd($.a, $.b)", {"a": 0.5, "b": 0}, 1),
    ("States.MathAdd($.a, $.b)", {"a": 2.5, "b": 0}, 3),
    ("States.MathAdd($.a, $.b)", {"a": -0.5, "b": 0.5}, 1),
    ("States.MathAdd($.a, $.b)", {"a": -0.5, "b": 0}, 0),
    ("States.MathAdd($.a, $.b)", {"a": -1.5, "b": 0}, -1),
    # Base64 of the empty string.
    ("States.Base64Encode($.v)", {"v": ""}, ""),
    ("States.Base64Decode($.v)", {"v": ""}, ""),
    # A literal newline inside a string literal splits like any other character.
    ("States.StringSplit('Hello\nWorld', '\n')", {}, ["Hello", "World"]),
    (
        'States.JsonMerge(States.StringToJson(\'{"constant_in_literal": "false"}\'), '
        "$.input_field, false)",
        {"input_field": {"constant_input_field": "constant_value"}},
        {"constant_in_literal": "false", "constant_input_field": "constant_value"},
    ),
]


@RUNNERS
@pytest.mark.parametrize(("expression", "data", "expected"), RECORDED)
def test_recorded_outputs(call, expression, data, expected):
    assert call(expression, data) == expected


def test_nested_calls_over_the_context_object():
    machine = {
        "StartAt": "S",
        "States": {
            "S": {
                "Type": "Pass",
                "Parameters": {
                    "r.$": "States.ArrayGetItem(States.StringSplit($$.Execution.Id, ':'), "
                    "States.MathAdd(States.ArrayLength(States.StringSplit($$.Execution.Id, "
                    "':')), -1))",
                    "name.$": "$$.Execution.Name",
                },
                "End": True,
            }
        },
    }
    out = run(machine, {})
    assert out["r"] == out["name"]


@RUNNERS
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("States.Format('it\\'s {}', 'ok')", "it's ok"),
        ("States.Format('\\{\\} {}', 'x')", "{} x"),
        ("States.Format('a\\\\b {}', 'c')", "a\\b c"),
        ("States.Array('\\{x\\}', 'it\\'s', 'back\\\\slash')", ["{x}", "it's", "back\\slash"]),
        ("States.Array(-1, 2.5, 0, 1e2)", [-1, 2.5, 0, 100.0]),
        ("States.Array(true, false, null)", [True, False, None]),
        ("States.Array( 1 ,  'a b' )", [1, "a b"]),
        ("States.Format('{} {} {}', true, null, 3)", "true null 3"),
        ("States.Format('{}', States.Array('a', 1, true))", "[a, 1, true]"),
        ("States.Format('no placeholders')", "no placeholders"),
        ("States.StringSplit('abc', '')", ["abc"]),
        ("States.StringSplit('', ',')", []),
        ("States.StringSplit(',,a,,b,,', ',')", ["a", "b"]),
        ("States.ArrayRange(9, 1, -3)", [9, 6, 3]),
        ("States.ArrayRange(5, 1, 1)", []),
        ("States.ArrayRange(1.4, 2.6, 1)", [1, 2, 3]),
        ("States.ArrayPartition(States.Array(1, 2, 3), 1.6)", [[1, 2], [3]]),
        ("States.ArrayUnique(States.Array(1, true, 1, null, null, 'a'))", [1, True, None, "a"]),
        (
            'States.JsonMerge(States.StringToJson(\'{"a":1,"b":2}\'), '
            "States.StringToJson('{\"a\":3}'), false)",
            {"a": 3, "b": 2},
        ),
    ],
)
def test_literals_escapes_and_edges(call, expression, expected):
    assert call(expression, {}) == expected


@RUNNERS
def test_argument_paths_reach_context_and_variables(call):
    assert call("States.Format('{}', $$.State.Name)", {}) in ("StateName", "S")
    assert call("States.ArrayLength($.a[*].x)", {"a": [{"x": 1}, {"y": 2}]}) == 1
    assert call("States.ArrayLength($.a[*].nope)", {"a": [1, 2]}) == 0
    assert call("States.Format('{}', $.n)", {"n": None}) == "null"


def test_variables_as_arguments():
    out = test_state(
        _pass("States.Format('{}-{}', $v, $w.k)"), {}, variables={"v": 1, "w": {"k": "x"}}
    )
    assert out["output"] == {"r": "1-x"}


@RUNNERS
def test_math_random_stays_in_range(call):
    for _ in range(20):
        assert 1 <= call("States.MathRandom(1, 3)", {}) < 3
    assert call("States.MathRandom(12.5, 44.51)", {}) in range(13, 45)
    first = call("States.MathRandom(0, 999, 3)", {})
    assert first == call("States.MathRandom(0, 999, 3)", {}) and 0 <= first < 999


def test_seeded_draws_follow_java_util_random():
    # new java.util.Random(42): nextInt() is -1170105035 (so next(31) is that >>> 1) and
    # nextInt(10) is 0, on every JVM.
    assert java.Random(42).next_int(2**31) == (-1170105035 % 2**32) >> 1
    assert java.Random(42).next_int(10) == 0


@RUNNERS
def test_uuid_is_a_version_4_uuid(call):
    value = call("States.UUID()", {})
    assert len(value) == 36 and value[14] == "4"


INTRINSIC_FAILURES = [
    ("States.Format('{} {}', 1)", {}),
    ("States.Format('{}', 1, 2)", {}),
    ("States.Format($.n, 1)", {"n": 5}),
    ("States.StringToJson('{not json')", {}),
    ("States.StringToJson($.n)", {"n": 5}),
    ("States.JsonToString()", {}),
    ("States.ArrayPartition($.a, 0)", {"a": [1]}),
    ("States.ArrayPartition($.a, 2)", {"a": "x"}),
    ("States.ArrayContains($.a, 1)", {"a": "x"}),
    ("States.ArrayRange(1, 1001, 1)", {}),
    ("States.ArrayRange(1, 5, 0)", {}),
    ("States.ArrayRange('1', 5, 1)", {}),
    ("States.ArrayGetItem($.a, 3)", {"a": [1, 2, 3]}),
    ("States.ArrayGetItem($.a, -1)", {"a": [1, 2, 3]}),
    ("States.ArrayGetItem($.a, 1.5)", {"a": [1, 2, 3]}),
    ("States.ArrayGetItem($.a, '1')", {"a": [1, 2, 3]}),
    ("States.ArrayLength($.s)", {"s": "abc"}),
    ("States.ArrayUnique($.s)", {"s": {}}),
    ("States.Base64Encode($.n)", {"n": 5}),
    ("States.Base64Encode($.s)", {"s": "a" * 10_001}),
    ("States.Base64Decode('not base64!!!')", {}),
    ("States.Base64Decode($.s)", {"s": "A" * 10_004}),
    ("States.Hash($.d, 'SHA256')", {"d": "x"}),
    ("States.Hash($.d, 'sha-256')", {"d": "x"}),
    ("States.Hash($.d, 'SHA-256')", {"d": "a" * 10_001}),
    ("States.Hash($.d, 'MD5')", {"d": 5}),
    ("States.Hash($.d)", {"d": "x"}),
    ("States.JsonMerge($.a, $.b, true)", {"a": {}, "b": {}}),
    ("States.JsonMerge($.a, $.b, 0)", {"a": {}, "b": {}}),
    ("States.JsonMerge($.a, $.b, false)", {"a": [1], "b": {}}),
    ("States.JsonMerge($.a, $.b)", {"a": {}, "b": {}}),
    ("States.MathAdd(2147483648, 1)", {}),
    ("States.MathAdd('1', 1)", {}),
    ("States.MathAdd(1)", {}),
    ("States.MathRandom(5, 5)", {}),
    ("States.MathRandom(1, 'x')", {}),
    ("States.StringSplit($.n, ',')", {"n": 7}),
    ("States.StringSplit('a')", {}),
    ("States.UUID(1)", {}),
]


@RUNNERS
@pytest.mark.parametrize(("expression", "data"), INTRINSIC_FAILURES)
def test_bad_arguments_fail_with_a_runtime_error(call, expression, data):
    with pytest.raises(errors.ASLError) as info:
        call(expression, data)
    assert info.value.error == "States.Runtime"


def test_at_the_limits_the_functions_still_work():
    assert len(via_interpreter("States.ArrayRange(1, 1000, 1)", {})) == 1000
    assert len(via_interpreter("States.Base64Encode($.s)", {"s": "a" * 10_000})) == 13_336
    assert len(via_interpreter("States.Hash($.s, 'SHA-256')", {"s": "a" * 10_000})) == 64


def test_an_intrinsic_failure_is_reported_as_runtime_and_is_not_caught():
    """AWS reserves States.IntrinsicFailure; failures are States.Runtime, which no Catch takes."""
    machine = {
        "StartAt": "Try",
        "States": {
            "Try": {
                "Type": "Task",
                "Resource": "arn:echo",
                "Parameters": {"d.$": "States.Base64Decode($.bad)"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
                "End": True,
            },
            "Recover": {"Type": "Pass", "End": True},
        },
    }
    with pytest.raises(errors.ASLError) as info:
        run(machine, {"bad": "not base64!!!"}, {"arn:echo": lambda payload: payload})
    assert info.value.error == "States.Runtime"


@pytest.mark.parametrize(
    ("expression", "data", "cause"),
    [
        (
            "States.Format('{}', $.nope)",
            {"other": 1},
            "The function 'States.Format('{}', $.nope)' had the following error: The JsonPath "
            "argument for the field '$.nope' could not be found in the input '{\"other\":1}'",
        ),
        (
            "States.Format('{} {}', $.other, $.a.b)",
            {"other": 1},
            "The function 'States.Format('{} {}', $.other, $.a.b)' had the following error: The "
            "JsonPath argument for the field '$.a.b' could not be found in the input "
            "'{\"other\":1}'",
        ),
        (
            "States.Format('{}', States.Format('{}', $.nope))",
            {"other": 1},
            "The function 'States.Format('{}', States.Format('{}', $.nope))' had the following "
            "error: The JsonPath argument for the field '$.nope' could not be found in the input "
            "'{\"other\":1}'",
        ),
        (
            "States.Format('{}', $.items[5])",
            {"items": [1, 2]},
            "The function 'States.Format('{}', $.items[5])' had the following error: The "
            "JsonPath argument for the field '$.items[5]' could not be found in the input "
            "'{\"items\":[1,2]}'",
        ),
        (
            "States.Format('{}', $$.Nope.Deep)",
            {"other": 1},
            "The function 'States.Format('{}', $$.Nope.Deep)' had the following error: The "
            "JsonPath argument for the field '$.Nope.Deep' could not be found in the input "
            "'{\"other\":1}'",
        ),
    ],
)
def test_an_argument_path_naming_nothing_is_a_runtime_error(expression, data, cause):
    out = test_state(_pass(expression), data)
    assert (out["status"], out["error"], out["cause"]) == ("FAILED", "States.Runtime", cause)
    with pytest.raises(errors.ASLError) as info:
        via_interpreter(expression, data)
    assert (info.value.error, info.value.cause) == ("States.Runtime", cause)


@pytest.mark.parametrize(
    "expression",
    [
        "States.ArrayLength($.nope)",
        "States.Array(1, $.nope)",
        "States.JsonToString($.nope)",
        "States.StringToJson($.nope)",
        "States.MathAdd($.nope, 1)",
        "States.ArrayContains($.nope, 1)",
        "States.JsonMerge($.nope, $.other, false)",
        "States.Format($.nope, 1)",
    ],
)
def test_every_function_fails_alike_on_a_missing_argument(expression):
    with pytest.raises(errors.ASLError) as info:
        via_interpreter(expression, {"other": 1})
    assert info.value.error == "States.Runtime"
    assert "'$.nope' could not be found" in info.value.cause


@pytest.mark.parametrize(
    "expression",
    [
        "States.Nope(1)",
        "States.Array('unterminated)",
        "States.Array(1,)",
        "States.Array(,1)",
        "States.Array(1",
        "States.Array(1) extra",
        "States.Array(bare)",
        "States.Format('{}', $.a)x",
    ],
)
def test_a_malformed_intrinsic_is_a_definition_error(expression):
    definition = {"StartAt": "S", "States": {"S": _pass(expression)}}
    assert [d["code"] for d in validate(definition)] == ["INVALID_INTRINSIC"]
    with pytest.raises(DefinitionError):
        test_state(_pass(expression), {})


def test_nesting_is_limited_to_ten_calls():
    ten = "States.Array(" * 10 + "1" + ")" * 10
    assert via_interpreter(ten, {}) == [[[[[[[[[[1]]]]]]]]]]
    eleven = "States.Array(" * 11 + "1" + ")" * 11
    assert [d["code"] for d in validate({"StartAt": "S", "States": {"S": _pass(eleven)}})] == [
        "INVALID_INTRINSIC"
    ]


def test_intrinsics_in_every_jsonpath_template_field():
    def echo(payload):
        return {"items": payload["items"], "n": 2}

    machine = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:echo",
                "Parameters": {"items.$": "States.ArrayRange(1, 3, 1)"},
                "ResultSelector": {"len.$": "States.ArrayLength($.items)", "n.$": "$.n"},
                "Assign": {"joined.$": "States.Format('{}+{}', $.len, $.n)"},
                "ResultPath": "$.task",
                "Next": "M",
            },
            "M": {
                "Type": "Map",
                "ItemsPath": "$.list",
                "ItemSelector": {
                    "doubled.$": "States.MathAdd($$.Map.Item.Value, $$.Map.Item.Value)"
                },
                "ItemProcessor": {"StartAt": "D", "States": {"D": {"Type": "Pass", "End": True}}},
                "ResultPath": "$.mapped",
                "Next": "P",
            },
            "P": {
                "Type": "Pass",
                "Parameters": {"joined.$": "$joined", "mapped.$": "$.mapped", "task.$": "$.task"},
                "End": True,
            },
        },
    }
    out = run(machine, {"list": [1, 5]}, {"arn:echo": echo})
    assert out == {
        "joined": "3+2",
        "mapped": [{"doubled": 2}, {"doubled": 10}],
        "task": {"len": 3, "n": 2},
    }


def test_fail_state_paths_take_intrinsics():
    state = {
        "Type": "Fail",
        "ErrorPath": "States.Format('{}.Error', $.kind)",
        "CausePath": "States.JsonToString($.detail)",
    }
    with pytest.raises(errors.ASLError) as info:
        single(state, {"kind": "Custom", "detail": {"a": [1, "x"]}})
    assert (info.value.error, info.value.cause) == ("Custom.Error", '{"a":[1,"x"]}')


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.1, "1.1"),
        (100.0, "100.0"),
        (0.001, "0.001"),
        (1e-5, "1.0E-5"),
        (12345678.9, "1.23456789E7"),
        (-2.5e21, "-2.5E21"),
        (0.0, "0.0"),
    ],
)
def test_format_writes_decimals_as_java_does(value, text):
    assert via_interpreter("States.Format('{}', $.v)", {"v": value}) == text
