"""`records.quick_init`: the same frozen dataclass as `dataclasses` makes, built faster."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import Any, ClassVar

import pytest

from podium import records
from podium.store import base


@dataclasses.dataclass(frozen=True)
class Plain:
    name: str
    count: int
    note: str | None = None
    weight: float = 1.5


Quick: type[Any] = records.quick_init(
    dataclasses.dataclass(frozen=True)(
        type(
            "Quick",
            (),
            {"__annotations__": dict(Plain.__annotations__), "note": None, "weight": 1.5},
        )
    )
)


def test_the_signature_is_the_one_dataclasses_makes():
    assert str(inspect.signature(Quick)) == str(inspect.signature(Plain))


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("a", 1), {}),
        (("a", 1, "n"), {}),
        (("a",), {"count": 2, "weight": 3.0}),
        ((), {"name": "b", "count": 0}),
    ],
)
def test_fields_defaults_equality_hash_and_repr_match(args, kwargs):
    quick, plain = Quick(*args, **kwargs), Plain(*args, **kwargs)
    assert dataclasses.astuple(quick) == dataclasses.astuple(plain)
    assert quick == Quick(*args, **kwargs)
    assert hash(quick) == hash(Quick(*args, **kwargs))
    assert repr(quick) == repr(plain).replace("Plain", "Quick")


def test_it_stays_frozen_and_replace_and_pickle_work():
    event = base.HistoryEvent("wf", 3, "step", "charge", "completed", "1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.seq = 4  # type: ignore[misc]
    later = dataclasses.replace(event, seq=4)
    assert (later.seq, later.attempt, later.started_at) == (4, 1, None)
    assert pickle.loads(pickle.dumps(event)) == event


def test_bad_calls_fail_as_with_dataclasses():
    with pytest.raises(TypeError):
        Quick("a")
    with pytest.raises(TypeError):
        Quick("a", 1, nope=2)
    with pytest.raises(TypeError):
        Quick("a", 1, name="b")


def test_a_class_it_would_build_differently_is_refused_at_import():
    @dataclasses.dataclass
    class Mutable:
        x: int

    @dataclasses.dataclass(frozen=True)
    class Factory:
        x: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True)
    class Post:
        x: int

        def __post_init__(self) -> None:
            pass

    @dataclasses.dataclass(frozen=True)
    class Hidden:
        x: int
        y: int = dataclasses.field(default=0, init=False)

    @dataclasses.dataclass(frozen=True)
    class KeywordOnly:
        x: int = dataclasses.field(kw_only=True)

    @dataclasses.dataclass(frozen=True)
    class Init:
        x: int
        extra: dataclasses.InitVar[int]

    for cls in (Mutable, Factory, Post, Hidden, KeywordOnly, Init):
        with pytest.raises(TypeError, match=cls.__name__):
            records.quick_init(cls)


def test_class_variables_are_not_fields():
    @records.quick_init
    @dataclasses.dataclass(frozen=True)
    class WithClassVar:
        LIMIT: ClassVar[int] = 3
        x: int

    assert WithClassVar(2).x == 2
    assert WithClassVar.LIMIT == 3
