"""Choice rules of JSONPath states: comparisons, Is* tests, And/Or/Not, StringMatches."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any

from podium.asl import errors, jsonpath, refs

_TYPES = {"String": str, "Numeric": (int, float), "Boolean": bool, "Timestamp": str}
_OPS = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
COMPARISONS = frozenset(
    [f"{t}{op}" for t in ("String", "Numeric", "Timestamp") for op in _OPS]
    + [f"{t}{op}Path" for t in ("String", "Numeric", "Timestamp") for op in _OPS]
    + ["BooleanEquals", "BooleanEqualsPath", "StringMatches"]
)
TESTS = frozenset(["IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"])
_MISSING = object()


def operator_of(rule: Mapping[str, Any]) -> str | None:
    """The comparison or test key of a rule, if it has exactly one."""
    found = [k for k in rule if k in COMPARISONS or k in TESTS]
    return found[0] if len(found) == 1 else None


def evaluate(rule: Mapping[str, Any], data: Any, context: Any, variables: Any) -> bool:
    """Whether `rule` holds for the state's input `data`."""
    if "And" in rule:
        return all(evaluate(r, data, context, variables) for r in rule["And"])
    if "Or" in rule:
        return any(evaluate(r, data, context, variables) for r in rule["Or"])
    if "Not" in rule:
        return not evaluate(rule["Not"], data, context, variables)
    op = operator_of(rule)
    variable = rule.get("Variable", "$")
    value = _lookup(variable, data, context, variables)
    if op == "IsPresent":
        return (value is not _MISSING) == bool(rule[op])
    if value is _MISSING:
        raise errors.failure(
            errors.RUNTIME,
            f"Invalid path '{variable}': The choice state's condition path references an "
            "invalid value.",
        )
    if op in TESTS:
        return _test(op, value) == bool(rule[op])
    assert op is not None
    expected = rule[op]
    if op.endswith("Path"):
        expected = _lookup(expected, data, context, variables)
        if expected is _MISSING:
            raise errors.failure(
                errors.RUNTIME,
                f"Invalid path '{rule[op]}': The choice state's condition path references an "
                "invalid value.",
            )
        op = op[:-4]
    return compare(op, value, expected)


def _lookup(path: str, data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
    try:
        return refs.resolve(path, data, context, variables)
    except (jsonpath.PathMissing, KeyError):
        return _MISSING


def _test(op: str, value: Any) -> bool:
    if op == "IsNull":
        return value is None
    if op == "IsNumeric":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if op == "IsString":
        return isinstance(value, str)
    if op == "IsBoolean":
        return isinstance(value, bool)
    return isinstance(value, str) and parse_timestamp(value) is not None


def compare(op: str, value: Any, expected: Any) -> bool:
    """Apply comparison `op` (without Path); a value of the wrong type compares false."""
    if op == "StringMatches":
        return isinstance(value, str) and isinstance(expected, str) and matches(expected, value)
    if op == "BooleanEquals":
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    kind = next(t for t in ("String", "Numeric", "Timestamp") if op.startswith(t))
    relation = op[len(kind) :]
    if kind == "Numeric":
        if not all(_is_num(v) for v in (value, expected)):
            return False
        left, right = value, expected
    elif kind == "String":
        if not (isinstance(value, str) and isinstance(expected, str)):
            return False
        left, right = utf16(value), utf16(expected)
    else:
        left = parse_timestamp(value) if isinstance(value, str) else None
        right = parse_timestamp(expected) if isinstance(expected, str) else None
        if left is None or right is None:
            return False
    return _relate(relation, left, right)


def utf16(text: str) -> bytes:
    """A sort key ordering strings as Java does: by UTF-16 code unit, not by code point."""
    return text.encode("utf-16-be", "surrogatepass")


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _relate(relation: str, left: Any, right: Any) -> bool:
    if relation == "Equals":
        return bool(left == right)
    if relation == "LessThan":
        return bool(left < right)
    if relation == "GreaterThan":
        return bool(left > right)
    if relation == "LessThanEquals":
        return bool(left <= right)
    return bool(left >= right)


_TIMESTAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})", re.ASCII
)


def parse_timestamp(text: str) -> dt.datetime | None:
    """An RFC 3339 timestamp as the Choice state reads it, or None.

    An uppercase 'T' separates date and time and the offset is an uppercase 'Z' or
    `+hh:mm`/`-hh:mm` (the states-language profile). Fractional seconds may have any number
    of digits (compared to the microsecond); timestamps compare by instant, whatever
    their offsets.
    """
    m = _TIMESTAMP.fullmatch(text)
    if not m:
        return None
    date, clock, fraction, zone = m.groups()
    micros = (fraction or "")[:6].ljust(6, "0")
    offset = "+00:00" if zone == "Z" else zone
    try:
        return dt.datetime.fromisoformat(f"{date}T{clock}.{micros}{offset}")
    except ValueError:
        return None


def matches(pattern: str, text: str) -> bool:
    r"""StringMatches: `*` matches any run of characters; `\*` and `\\` are literal."""
    return _pattern(pattern).fullmatch(text) is not None


@functools.lru_cache(maxsize=1024)
def _pattern(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)
