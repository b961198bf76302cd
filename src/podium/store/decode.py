"""A store feature's frozen dataclass from a query row: one column for each field.

Drivers hand back what the column holds (SQLite an int for a boolean, a whole number for a
REAL that has no fraction), so each value is made its field's type on the way in. The
conversion is read once from the dataclass's annotations: the record's declaration is the
one list of its columns and their types.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

R = TypeVar("R")

Convert = Callable[[Any], Any]


def _or_none(convert: Convert) -> Convert:
    """`convert`, except that None (a NULL column) stays None."""
    return lambda value: None if value is None else convert(value)


_CONVERSIONS: dict[object, Convert] = {
    str: str,
    int: int,
    float: float,
    bool: bool,
    str | None: _or_none(str),
    int | None: _or_none(int),
    float | None: _or_none(float),
}
"""How a column becomes a field of each of these types; a field of another type takes the
column as it is."""


def _same(value: Any) -> Any:
    return value


_COLUMNS: dict[type[Any], tuple[tuple[str, Convert], ...]] = {}
"""Each dataclass's fields and conversions, read from its annotations once."""


def _columns(cls: type[Any]) -> tuple[tuple[str, Convert], ...]:
    """Each field of the dataclass `cls` and the conversion its column's value goes through."""
    columns = _COLUMNS.get(cls)
    if columns is None:
        hints = typing.get_type_hints(cls)
        columns = tuple(
            (field.name, _CONVERSIONS.get(hints[field.name], _same))
            for field in dataclasses.fields(cls)
        )
        _COLUMNS[cls] = columns
    return columns


def row(cls: type[R], values: Mapping[str, Any]) -> R:
    """The dataclass `cls` of the row `values`, which has a column named as each of its fields."""
    return cls(**{name: convert(values[name]) for name, convert in _columns(cls)})
