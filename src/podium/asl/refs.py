"""Resolving `$`-strings in JSONPath states: `$.input`, `$$.Context`, and `$variable`.

A variable is referenced as `$name`, optionally followed by a path into its value
(`$order.items[0].id`). Variable names follow Unicode identifier rules (a letter or `_`
first, then letters, digits or `_`), are at most 80 characters long, and `states` is
reserved for JSONata's `$states`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from podium.asl import jsonpath

MAX_NAME = 80
RESERVED = frozenset({"states"})
_VARIABLE = re.compile(r"\$([^\W\d]\w*)")


def resolve(path: str, data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
    """The value `path` names: in `data`, in the context object (`$$`), or a variable.

    Raises `jsonpath.PathMissing` when a definite path names nothing and KeyError for an
    unknown variable.
    """
    if path.startswith("$$"):
        return jsonpath.find(path[1:], context)
    m = _VARIABLE.match(path)
    if m:
        name = m.group(1)
        if name not in variables:
            raise KeyError(name)
        return jsonpath.find("$" + path[m.end() :], variables[name])
    return jsonpath.find(path, data)


def check(path: str) -> str | None:
    """None when `path` is a well-formed path for `resolve`, else the problem."""
    if not isinstance(path, str) or not path.startswith("$"):
        return f"{path!r} is not a path (it must start with '$')"
    text = path[1:] if path.startswith("$$") else path
    m = _VARIABLE.match(text)
    if m and not path.startswith("$$"):
        text = "$" + text[m.end() :]
    try:
        jsonpath.compile_path(text)
    except jsonpath.PathError as exc:
        return str(exc)
    return None


def check_name(name: str) -> str | None:
    """None when `name` may be assigned as a variable, else the problem."""
    if not isinstance(name, str) or not name.isidentifier():
        return f"{name!r} is not a valid variable name"
    if len(name) > MAX_NAME:
        return f"variable names are at most {MAX_NAME} characters: {name!r}"
    if name in RESERVED:
        return f"{name!r} is a reserved variable name"
    return None
