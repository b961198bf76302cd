import base64
import hashlib

import pytest

from podium.asl import errors, intrinsics


def ev(text, data=None, context=None, variables=None):
    return intrinsics.evaluate(text, data or {}, context or {}, variables or {})


# Examples from the AWS developer guide, "Intrinsic functions".
@pytest.mark.parametrize(
    ("text", "data", "expected"),
    [
        ("States.Array($.Id)", {"Id": 123456}, [123456]),
        ("States.Array('a', 1, true, null, $.x)", {"x": {"k": 1}}, ["a", 1, True, None, {"k": 1}]),
        ("States.Array()", {}, []),
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
        ("States.ArrayContains($.a, 'x')", {"a": ["y"]}, False),
        ("States.ArrayContains($.a, 1)", {"a": [True]}, False),
        ("States.ArrayRange(1, 9, 2)", {}, [1, 3, 5, 7, 9]),
        ("States.ArrayRange(9, 1, -3)", {}, [9, 6, 3]),
        ("States.ArrayRange(1, 1, 1)", {}, [1]),
        (
            "States.ArrayGetItem($.inputArray, $.index)",
            {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5},
            6,
        ),
        ("States.ArrayLength($.inputArray)", {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}, 9),
        (
            "States.ArrayUnique($.inputArray)",
            {"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]},
            [1, 2, 3, 4],
        ),
        ("States.Base64Encode($.input)", {"input": "Data to encode"}, "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode($.base64)", {"base64": "RGF0YSB0byBlbmNvZGU="}, "Data to encode"),
        (
            "States.Hash($.Data, $.Algorithm)",
            {"Data": "input data", "Algorithm": "SHA-1"},
            hashlib.sha1(b"input data").hexdigest(),
        ),
        (
            "States.JsonMerge($.json1, $.json2, false)",
            {
                "json1": {"a": {"a1": 1, "a2": 2}, "b": 2},
                "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
            },
            {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3},
        ),
        (
            "States.StringToJson($.escapedJsonString)",
            {"escapedJsonString": '{"foo": "bar"}'},
            {"foo": "bar"},
        ),
        (
            "States.JsonToString($.unescapedJson)",
            {"unescapedJson": {"foo": "bar"}},
            '{"foo":"bar"}',
        ),
        ("States.MathAdd($.value1, $.step)", {"value1": 111, "step": -1}, 110),
        ("States.MathAdd(1.0, 2)", {}, 3),
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
        (
            "States.Format('Hello, my name is {}.', $.name)",
            {"name": "Arnav"},
            "Hello, my name is Arnav.",
        ),
        ("States.Format('{} {} {} {}', 1, true, null, 'x')", {}, "1 true null x"),
        ("States.Format('a\\{\\}b {}', 'c')", {}, "a{}b c"),
        ("States.Format('it\\'s {}', 'ok')", {}, "it's ok"),
        ("States.Format('{}', $.o)", {"o": {"a": [1, 2]}}, "{a=[1, 2]}"),
        ("States.Format('a, b', )".replace(", )", ")"), {}, "a, b"),
    ],
)
def test_documented_examples(text, data, expected):
    assert ev(text, data) == expected


def test_nested_calls_from_the_guide():
    text = (
        "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
        "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem("
        "States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2),"
        " '.'), 1))"
    )
    data = {
        "ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123:image-recipe/my.recipe.x/1.0.0"}
    }
    assert ev(text, data) == "1.0"


def test_context_and_variables_as_arguments():
    assert (
        ev(
            "States.Format('{}-{}', $$.Execution.Name, $v)",
            {},
            {"Execution": {"Name": "e"}},
            {"v": 3},
        )
        == "e-3"
    )


def test_uuid_and_random():
    value = ev("States.UUID()")
    assert len(value) == 36 and value.count("-") == 4
    for _ in range(20):
        assert 1 <= ev("States.MathRandom(1, 10)") < 10
    assert ev("States.MathRandom(1, 1000, 7)") == ev("States.MathRandom(1, 1000, 7)")


def test_hash_algorithms():
    for name, algo in [
        ("MD5", "md5"),
        ("SHA-256", "sha256"),
        ("SHA-384", "sha384"),
        ("SHA-512", "sha512"),
    ]:
        assert ev(f"States.Hash('x', '{name}')") == hashlib.new(algo, b"x").hexdigest()


def test_base64_round_trip():
    assert ev("States.Base64Encode('héllo')") == base64.b64encode("héllo".encode()).decode()


@pytest.mark.parametrize(
    "text",
    [
        "States.ArrayPartition($.a, 0)",
        "States.ArrayGetItem($.a, 5)",
        "States.ArrayRange(1, 2000, 1)",
        "States.ArrayRange(1, 5, 0)",
        "States.ArrayLength('x')",
        "States.JsonMerge($.o, $.o, true)",
        "States.StringToJson('{not json')",
        "States.Base64Decode('***')",
        "States.Hash('x', 'SHA-999')",
        "States.MathAdd(2147483648, 1)",
        "States.MathRandom(5, 1)",
        "States.Format('{} {}', 1)",
        "States.Format('{}', 1, 2)",
        "States.Nope(1)",
        "States.Array('unterminated)",
        "States.UUID(1)",
    ],
)
def test_failures_are_runtime_errors(text):
    with pytest.raises(errors.ASLError) as info:
        ev(text, {"a": [1], "o": {}})
    assert info.value.error == "States.Runtime"
    assert type(info.value).__qualname__ == "States.Runtime"


def test_a_missing_argument_path_is_a_runtime_error():
    with pytest.raises(errors.ASLError) as info:
        ev("States.Array($.missing)", {"a": 1})
    assert info.value.error == "States.Runtime"


def test_nesting_limit():
    inner = "States.Array(1)"
    for _ in range(10):
        inner = f"States.Array({inner})"
    with pytest.raises(errors.ASLError):
        ev(inner)
