"""Validation on its own: the fast path for plain values, pydantic for the rest."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

import podium
from podium import validation


@dataclasses.dataclass
class Item:
    sku: str
    qty: int


def wf(a: int, items: list[Item], when: dt.date | None = None, *rest: str, **extra: float) -> str:
    return ""


def test_values_are_checked_and_converted() -> None:
    checker = validation.Checker(wf, "workflow 'wf'")
    args, kwargs = checker.call((1, [{"sku": "A", "qty": "2"}], "2026-01-02", "x"), {"w": 1})
    assert args[1] == [Item("A", 2)] and args[2] == dt.date(2026, 1, 2)
    assert kwargs == {"w": 1.0}


def test_every_bad_field_is_named() -> None:
    checker = validation.Checker(wf, "workflow 'wf'")
    with pytest.raises(podium.ValidationError) as caught:
        checker.call(("one", [{"sku": "A"}], None, 5), {"w": "heavy"})
    fields = [field for field, _ in caught.value.errors]
    assert fields == ["a", "items.0.qty", "rest[0]", "w"]
    assert "workflow 'wf'" in str(caught.value) and "declared types" in str(caught.value)


def plain(a: int, b: str, c: dict[str, Any], d: Any) -> None:
    return None


def test_plain_values_pass_as_they_are() -> None:
    checker = validation.Checker(plain, "workflow 'plain'")
    payload = {"k": object()}
    args, _ = checker.call((1, "s", payload, object), {})
    assert args[2] is payload  # not copied
    with pytest.raises(podium.ValidationError, match="b: Input should be a valid string"):
        checker.call((1, 2, {}, None), {})


def returns_int() -> int:
    return 0


def test_results_are_checked_against_the_return_annotation() -> None:
    checker = validation.Checker(returns_int, "step 'returns_int'")
    assert checker.result(3) == 3
    with pytest.raises(podium.ValidationError, match="result of step 'returns_int'"):
        checker.result("three")
