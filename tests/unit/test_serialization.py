"""The JSON-family codec: round trips, tagged types, errors that name the value, no code loading."""

import dataclasses
import datetime as dt
import decimal
import json
import math
import sys
import uuid
from pathlib import Path
from typing import Annotated

import pydantic
import pytest

import podium
from podium import serialization


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int


@dataclasses.dataclass
class Order:
    id: str
    total: decimal.Decimal
    placed: dt.datetime
    where: Point
    tags: list[str] = dataclasses.field(default_factory=list)


class Customer(pydantic.BaseModel):
    name: str
    since: dt.date
    ref: uuid.UUID


def roundtrip(value: object) -> object:
    return serialization.loads(serialization.dumps(value))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -17,
        2**70,
        3.25,
        "",
        "héllo ✓",
        [],
        {},
        [1, "two", None, [3.5, {"k": False}]],
        {"nested": {"list": [1, 2], "empty": {}}, "unicode": "日本"},
    ],
)
def test_json_values_round_trip(value: object):
    assert roundtrip(value) == value


@pytest.mark.parametrize(
    "value",
    [0, -7, 2**70, "", "plain", 'quote " and \\ back', "日本\n\u2028", True, False, None],
)
def test_scalars_take_the_fast_path_with_the_encoders_exact_text(value: object):
    assert serialization.dumps(value) == json.dumps(value, separators=(",", ":"))


def test_int_subclasses_and_huge_ints_behave_as_through_the_encoder():
    class Level(int):
        pass

    assert serialization.dumps(Level(3)) == "3"
    with pytest.raises(podium.SerializationError, match="cannot be stored as JSON"):
        serialization.dumps(10**5000)


def test_tuples_come_back_as_lists():
    assert roundtrip((1, (2, 3))) == [1, [2, 3]]


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2024, 2, 29, 23, 59, 58, 123456),
        dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.date(1999, 12, 31),
        dt.time(7, 30, 15),
        dt.timedelta(days=2, seconds=3, microseconds=4),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        decimal.Decimal("19.990"),
        decimal.Decimal("-1E+30"),
    ],
    ids=repr,
)
def test_tagged_types_round_trip_with_their_type(value: object):
    back = roundtrip(value)
    assert back == value
    assert type(back) is type(value)


def test_datetime_keeps_its_timezone():
    value = dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    back = roundtrip(value)
    assert isinstance(back, dt.datetime)
    assert back.utcoffset() == dt.timedelta(hours=2)


def test_decimal_keeps_its_exponent():
    back = roundtrip(decimal.Decimal("1.10"))
    assert str(back) == "1.10"


def test_dataclasses_round_trip_nested():
    order = Order(
        "o-1",
        decimal.Decimal("10.50"),
        dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
        Point(1, 2),
        ["gift"],
    )
    back = roundtrip({"order": order, "points": [Point(3, 4)]})
    assert back == {"order": order, "points": [Point(3, 4)]}
    assert isinstance(back, dict) and isinstance(back["order"].where, Point)


def test_pydantic_models_round_trip():
    customer = Customer(name="Ada", since=dt.date(2020, 1, 2), ref=uuid.uuid4())
    back = roundtrip([customer])
    assert back == [customer]
    assert isinstance(back, list) and isinstance(back[0], Customer)


def test_output_is_compact_json_text():
    text = serialization.dumps({"a": [1, 2]})
    assert text == '{"a":[1,2]}'
    assert json.loads(serialization.dumps(uuid.UUID(int=1)))["__podium__"] == "uuid"


@pytest.mark.parametrize(
    ("value", "mentions"),
    [
        ({1, 2}, "set"),
        (frozenset(), "frozenset"),
        (object(), "object"),
        (b"bytes", "bytes"),
        (math.nan, "float"),
        (math.inf, "float"),
        (Point, "type"),
        ({(1, 2): "tuple key"}, "tuple"),
    ],
    ids=["set", "frozenset", "object", "bytes", "nan", "inf", "class", "tuple-key"],
)
def test_unstorable_values_raise_serialization_error(value: object, mentions: str):
    with pytest.raises(podium.SerializationError) as caught:
        serialization.dumps({"inner": [value]}, what="result of step 'pay'")
    assert "result of step 'pay'" in str(caught.value)
    assert mentions in str(caught.value)


def test_circular_values_raise_serialization_error():
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(podium.SerializationError, match=r"(?i)circular"):
        serialization.dumps(loop)


def test_call_errors_name_the_argument():
    names = ["order", "when", "note"]
    owner = "workflow 'ship'"
    with pytest.raises(podium.SerializationError, match="argument 'when' of workflow 'ship'"):
        serialization.dumps_call([{}, {1}], {}, owner=owner, names=names)
    with pytest.raises(podium.SerializationError, match="argument 'note'") as raised:
        serialization.dumps_call([], {"note": object()}, owner=owner, names=names)
    assert "holds a value of type 'object', which podium cannot store" in str(raised.value)
    with pytest.raises(podium.SerializationError, match="argument 'order'"):
        serialization.dumps_call([math.nan], {}, owner=owner, names=names)
    with pytest.raises(podium.SerializationError, match="argument '#3'"):
        serialization.dumps_call([1, 2, 3, {1}], {}, owner=owner, names=names)


def test_call_round_trip():
    text = serialization.dumps_call([1, Point(1, 2)], {"k": dt.date(2024, 1, 1)}, owner="x")
    assert serialization.loads_call(text) == ([1, Point(1, 2)], {"k": dt.date(2024, 1, 1)})
    assert serialization.loads_call(None) == ([], {})


def test_payload_limit():
    assert serialization.dumps("x" * 10, limit=12) == '"xxxxxxxxxx"'
    with pytest.raises(podium.SerializationError) as caught:
        serialization.dumps("x" * 11, what="argument 'blob'", limit=12)
    message = str(caught.value)
    assert "argument 'blob'" in message and "13 bytes" in message and "limit of 12" in message
    assert "max_payload_bytes" in message
    with pytest.raises(podium.SerializationError, match="payload limit"):
        serialization.dumps_call(["x" * 100], {}, owner="workflow 'w'", limit=50)


def test_limit_counts_bytes_of_non_ascii_text():
    with pytest.raises(podium.SerializationError, match="payload limit"):
        serialization.dumps("é" * 10, limit=20)


def test_loads_none_is_none():
    assert serialization.loads(None) is None


def test_tagged_dict_of_unknown_class_comes_back_as_plain_data():
    text = json.dumps(
        {"__podium__": "dataclass", "cls": "no_such_module:Thing", "v": {"a": 1, "b": [2]}}
    )
    assert serialization.loads(text) == {"a": 1, "b": [2]}
    text = json.dumps({"__podium__": "pydantic", "cls": f"{__name__}:Missing", "v": {"a": 1}})
    assert serialization.loads(text) == {"a": 1}


def test_tagged_dict_naming_a_non_class_is_not_called():
    text = json.dumps({"__podium__": "dataclass", "cls": "os:system", "v": {"command": "true"}})
    assert serialization.loads(text) == {"command": "true"}


@pytest.mark.parametrize(
    "obj",
    [
        {"__podium__": "mystery", "v": 1},
        {"__podium__": "uuid", "v": "not-a-uuid"},
        {"__podium__": "decimal", "v": "12abc"},
        {"__podium__": 5},
        {"__podium__": "timedelta", "v": 1e300},
        {"__podium__": "timedelta", "v": "x"},
        {"__podium__": "datetime", "v": 5},
        {"__podium__": "dict", "v": 5},
        {"__podium__": "dataclass", "cls": "x:Y", "v": 5},
    ],
)
def test_unknown_or_malformed_tags_are_serialization_errors(obj):
    with pytest.raises(podium.SerializationError):
        serialization.loads(json.dumps(obj))


@pytest.mark.parametrize("text", ["{", "[1,", "nope", "[" * 100_000 + "]" * 100_000])
def test_unreadable_text_is_a_serialization_error(text):
    with pytest.raises(podium.SerializationError):
        serialization.loads(text)


@dataclasses.dataclass
class Undeclared:
    command: str


@pytest.mark.parametrize(
    "value",
    [
        {"__podium__": "dataclass", "cls": f"{__name__}:Point", "v": {"x": 1, "y": 2}},
        {"__podium__": "timedelta", "v": 1e300},
        {"a": [{"__podium__": "uuid", "v": "x"}], "__podium__": "dict"},
        [{"__podium__": "dict", "v": [["a", 1]]}],
    ],
)
def test_tags_in_user_data_are_escaped_and_come_back_as_the_same_data(value):
    text = serialization.dumps(value)
    assert serialization.loads(text) == value
    call = serialization.dumps_call([value], {"k": value}, owner="w")
    assert serialization.loads_call(call) == ([value], {"k": value})


def test_user_tags_next_to_real_tags_are_escaped():
    value = {"when": dt.date(2024, 1, 2), "p": Point(1, 2), "x": {"__podium__": "date"}}
    assert serialization.loads(serialization.dumps(value)) == value


def test_only_declared_classes_are_rebuilt():
    text = json.dumps(
        {"__podium__": "dataclass", "cls": f"{__name__}:Undeclared", "v": {"command": "rm"}}
    )
    assert serialization.loads(text) == {"command": "rm"}
    serialization.declare(Undeclared)
    assert serialization.loads(text) == Undeclared("rm")


def test_loading_never_imports_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    marker = tmp_path / "imported"
    module = tmp_path / "podium_trap_module.py"
    module.write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "import dataclasses\n"
        "@dataclasses.dataclass\n"
        "class Trap:\n"
        "    a: int\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    text = json.dumps({"__podium__": "dataclass", "cls": "podium_trap_module:Trap", "v": {"a": 1}})
    assert serialization.loads(text) == {"a": 1}
    assert not marker.exists()
    assert "podium_trap_module" not in sys.modules


SIZED = [
    "",
    "plain",
    "é" * 10,
    '"quoted" \\ and \n control',
    0,
    -12345678901234567890,
    1.5,
    True,
    None,
    [],
    {},
    [1, "two", 3.0, None, [], {}],
    {"a": {"b": [1, 2, {"c": "d"}]}, 7: "int key", "": ""},
    (1, (2, (3,))),
    Point(1, 2),
    {"when": dt.datetime(2024, 1, 2, 3, 4, 5), "id": uuid.uuid4(), "n": decimal.Decimal("1.5")},
    podium.Secret("hunter2"),
    {"__podium__": "dataclass", "v": 1},
    [["x" * 100] * 3] * 4,
]


@pytest.mark.parametrize("value", SIZED, ids=range(len(SIZED)))
def test_size_at_least_is_a_lower_bound_of_the_stored_text(value: object):
    """The count is never over the real size, so nothing that fits is ever refused."""
    text = serialization.dumps(value)
    bound = serialization.size_at_least(value, 10**9)
    assert 0 < bound <= len(text)
    assert serialization.dumps(value, limit=len(text)) == text


def test_size_at_least_is_exact_for_plain_ascii_json():
    value = {"name": "ada", "tags": ["a", "bc", ""], "n": 7, "inner": {"k": [1, 2, 3]}}
    assert serialization.size_at_least(value, 10**9) == len(serialization.dumps(value))


def test_size_at_least_stops_just_past_the_limit():
    many = ["x" * 1000] * 10_000  # 10 MB of JSON; the count stops after ~80 items
    bound = serialization.size_at_least(many, 100_000)
    assert 100_000 < bound <= 100_000 + 1002
    assert serialization.size_at_least([0] * 10_000_000, 100_000) == 20_000_001  # no item read
    assert serialization.size_at_least("x" * 5000, 1000) == 5002


def test_size_at_least_survives_circular_values_and_the_encoder_names_them():
    loop: list[object] = [1, "a"]
    loop.append(loop)
    assert serialization.size_at_least(loop, 10**6) < 100
    with pytest.raises(podium.SerializationError, match=r"(?i)circular"):
        serialization.dumps(loop, limit=10**6)


def test_a_value_far_over_the_limit_is_refused_before_it_is_encoded():
    """A memory bound: refusing 40 MB must not cost 40 MB (nor the 80+ MB encoding took)."""
    import tracemalloc

    huge = "x" * 40_000_000
    shared = ["y" * 10_000] * 4_000  # 40 MB of JSON, 32 KB in memory
    for value in (huge, {"args": [huge], "kwargs": {}}, shared):
        tracemalloc.start()
        try:
            with pytest.raises(podium.PayloadTooLarge) as caught:
                serialization.dumps(value, what="result of step 's'", limit=1_000_000)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 1_000_000, f"refusing cost {peak:,} bytes"
        assert caught.value.at_least and caught.value.size > 1_000_000
        assert "at least" in str(caught.value) and "result of step 's'" in str(caught.value)


def test_too_large_arguments_name_the_largest_without_encoding_each():
    import tracemalloc

    huge = "x" * 20_000_000
    tracemalloc.start()
    try:
        with pytest.raises(podium.PayloadTooLarge) as caught:
            serialization.dumps_call(
                [1, huge], {"note": "n"}, owner="workflow 'w'", names=["a", "blob"], limit=1000
            )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"refusing cost {peak:,} bytes"
    assert "arguments of workflow 'w' (the largest is 'blob')" in str(caught.value)


class Doc(pydantic.BaseModel):
    title: str = pydantic.Field(alias="t")
    body: str
    tags: list[str] = []
    secret: str = pydantic.Field(default="", exclude=True)
    short: Annotated[str, pydantic.PlainSerializer(lambda v: v[:1])] = ""
    hashed: str = ""

    @pydantic.field_serializer("hashed")
    def _hash(self, value: str) -> str:
        return str(len(value))


class Folder(pydantic.BaseModel):
    docs: list[Doc]
    owner: Customer


class Summarized(pydantic.BaseModel):
    text: str

    @pydantic.model_serializer
    def _summary(self) -> dict[str, int]:
        return {"n": len(self.text)}


MODELS = [
    Doc(t="a", body="b" * 50, tags=["x", "y"]),
    Doc(t="", body="", secret="s" * 500, short="l" * 500, hashed="h" * 500),
    Folder(
        docs=[Doc(t="t", body="b" * 20)] * 3,
        owner=Customer(name="ada", since=dt.date(2020, 1, 2), ref=uuid.UUID(int=7)),
    ),
    Summarized(text="z" * 500),
    [Doc(t="nested", body="in a list")],
]


@pytest.mark.parametrize("value", MODELS, ids=range(len(MODELS)))
def test_pydantic_models_are_counted_by_their_fields_and_stay_a_lower_bound(value: object):
    text = serialization.dumps(value)
    bound = serialization.size_at_least(value, 10**9)
    assert 0 <= bound <= len(text)
    assert serialization.dumps(value, limit=len(text)) == text  # what fits is never refused


def test_what_a_model_writes_otherwise_is_not_counted():
    sized = serialization.size_at_least
    assert sized(MODELS[0], 10**9) >= 50 + 2  # its body is seen
    assert sized(MODELS[1], 10**9) < 100  # excluded and serialized fields: not their 500 chars
    assert sized(MODELS[3], 10**9) == 0  # a model serializer: nothing known


def test_a_pydantic_model_far_over_the_limit_is_refused_before_it_is_encoded():
    import tracemalloc

    big = Folder(
        docs=[Doc(t="t", body="x" * 10_000_000)] * 4,
        owner=Customer(name="a", since=dt.date(2020, 1, 2), ref=uuid.UUID(int=8)),
    )
    assert serialization.size_at_least(big, 1_000_000) > 1_000_000  # the fields are seen
    tracemalloc.start()
    try:
        with pytest.raises(podium.PayloadTooLarge) as caught:
            serialization.dumps(big, limit=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.at_least and peak < 1_000_000  # model_dump never ran (40 MB)


@pytest.mark.parametrize(
    "args", [(), (1,), ("text", None, True, -3), ("é ☃ \u2028", 10**30), ("x" * 40,)]
)
@pytest.mark.parametrize("checked", [False, True])
def test_a_call_of_scalars_is_written_as_the_encoder_writes_it(
    args: tuple[object, ...], checked: bool
):
    """The scalar shortcut of `dumps_call` and the long way agree to the letter."""
    text = serialization.dumps_call(args, {}, owner="w", limit=1000, checked=checked)
    assert text == serialization.dumps({"args": list(args), "kwargs": {}})
    assert serialization.loads_call(text) == (list(args), {})


@pytest.mark.parametrize("bad", ["a\x00b", "lone \ud800 surrogate"])
def test_a_checked_call_names_the_text_argument_that_cannot_be_stored(bad: str):
    with pytest.raises(podium.SerializationError, match="argument 'note' of workflow 'w'"):
        serialization.dumps_call(
            [1, bad], {}, owner="workflow 'w'", names=["n", "note"], checked=True
        )


def test_a_checked_call_of_one_huge_text_is_refused_without_encoding_it():
    import tracemalloc

    huge = "x" * 20_000_000
    tracemalloc.start()
    try:
        with pytest.raises(podium.PayloadTooLarge):
            serialization.dumps_call([huge], {}, owner="workflow 'w'", limit=1000, checked=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"refusing cost {peak:,} bytes"
