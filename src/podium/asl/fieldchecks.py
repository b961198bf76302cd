"""Checks of single field values of a definition: paths, templates, expressions, names.

Each check yields diagnostics (`diag`) located by a JSON pointer; `validation` walks the
definition's structure and calls these on the fields it finds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podium.asl import intrinsics, jsonata, jsonpath, refs

Diagnostic = dict[str, str]


def path(value: Any, at: str) -> Iterator[Diagnostic]:
    """A JSONPath, `$$` context path or `$variable` reference that parses."""
    problem = refs.check(value)
    if problem:
        yield diag("INVALID_PATH", at, problem)


def reference(value: Any, at: str) -> Iterator[Diagnostic]:
    """A reference path (one definite location), as ResultPath requires."""
    if not isinstance(value, str):
        yield diag("INVALID_PATH", at, "must be a reference path")
        return
    try:
        ok = jsonpath.compile_path(value).is_reference()
    except jsonpath.PathError as exc:
        yield diag("INVALID_PATH", at, str(exc))
        return
    if not ok:
        yield diag("INVALID_PATH", at, f"{value!r} must be a reference path")


def intrinsic(value: str, at: str) -> Iterator[Diagnostic]:
    """An intrinsic call that parses, with valid paths as arguments."""
    try:
        tree = intrinsics.parse(value)
    except intrinsics.IntrinsicSyntaxError as exc:
        yield diag("INVALID_INTRINSIC", at, str(exc))
        return
    yield from intrinsic_paths(tree, at)


def intrinsic_paths(node: tuple[Any, ...], at: str) -> Iterator[Diagnostic]:
    """The path arguments anywhere in a parsed intrinsic call."""
    if node[0] == "path":
        yield from path(node[1], at)
    elif node[0] == "call":
        for arg in node[2]:
            yield from intrinsic_paths(arg, at)


def template(value: Any, at: str) -> Iterator[Diagnostic]:
    """A JSONPath payload template: every `.$` field holds a path or an intrinsic call."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{at}/{esc(key)}"
            if key.endswith(".$"):
                if not isinstance(item, str):
                    yield diag("INVALID_TYPE", where, "a '.$' field takes a path string")
                elif intrinsics.is_call(item):
                    yield from intrinsic(item, where)
                else:
                    yield from path(item, where)
            else:
                yield from template(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from template(item, f"{at}/{index}")


def jsonata_fields(value: Any, at: str) -> Iterator[Diagnostic]:
    """Every `{% %}` expression inside a JSONata field parses."""
    if isinstance(value, str):
        if jsonata.is_expression(value):
            try:
                jsonata.compile_expression(value)
            except ValueError as exc:
                yield diag("INVALID_JSONATA", at, str(exc))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from jsonata_fields(item, f"{at}/{esc(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from jsonata_fields(item, f"{at}/{index}")


def assign_names(assign: Any, at: str, language: str = "JSONPath") -> Iterator[Diagnostic]:
    """Assign is an object whose keys are variable names (`name.$` too, in JSONPath)."""
    if not isinstance(assign, dict):
        yield diag("INVALID_TYPE", at, "Assign must be a JSON object")
        return
    for key in assign:
        dollar = language == "JSONPath" and isinstance(key, str) and key.endswith(".$")
        name = key[:-2] if dollar else key
        problem = refs.check_name(name)
        if problem:
            yield diag("INVALID_VARIABLE_NAME", f"{at}/{esc(key)}", problem)


MAX_LABEL = 40
_LABEL_FORBIDDEN = frozenset('?*<>{}[]:;,\\|^~$#%&`"')
"""The characters a Map's Label cannot hold, besides whitespace and control characters."""


def map_label(value: Any, at: str) -> Iterator[Diagnostic]:
    """A Map's Label: 1 to 40 characters, none of them whitespace, control or reserved."""
    if not isinstance(value, str):
        yield diag("INVALID_TYPE", at, "a Map's Label must be a string")
        return
    if not value or len(value) > MAX_LABEL:
        yield diag(
            "INVALID_VALUE",
            at,
            f"a Map's Label must be 1 to {MAX_LABEL} characters long, not {len(value)}",
        )
    bad = sorted({c for c in value if _label_forbidden(c)})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        yield diag(
            "INVALID_VALUE",
            at,
            f"a Map's Label cannot hold whitespace, control characters or any of "
            f'? * < > {{ }} [ ] : ; , \\ | ^ ~ $ # % & ` "; {value!r} holds {shown}',
        )


def _label_forbidden(c: str) -> bool:
    code = ord(c)
    return c.isspace() or code <= 0x1F or 0x7F <= code <= 0x9F or c in _LABEL_FORBIDDEN


def credentials(value: Any, at: str, language: str) -> Iterator[Diagnostic]:
    """A Task's Credentials: an object holding only the role to assume, `RoleArn`.

    JSONPath takes `RoleArn` (a non-empty string) or `RoleArn.$` (a path or intrinsic
    call); JSONata takes `RoleArn` (a string, or a `{% %}` expression).
    """
    keys = ("RoleArn", "RoleArn.$") if language == "JSONPath" else ("RoleArn",)
    wanted = " or ".join(repr(k) for k in keys)
    if not isinstance(value, dict):
        yield diag("INVALID_TYPE", at, f"Credentials must be an object with {wanted}")
        return
    for key in value:
        if key not in keys:
            yield diag(
                "UNKNOWN_FIELD",
                f"{at}/{esc(key)}",
                f"field {key!r} is not allowed in Credentials; it takes {wanted}",
            )
    given = [k for k in keys if k in value]
    if len(given) != 1:
        yield diag("INVALID_FIELDS", at, f"Credentials needs exactly one of {wanted}")
        return
    key = given[0]
    role, where = value[key], f"{at}/{esc(key)}"
    if key == "RoleArn.$":
        yield from template({key: role}, at)
    elif not isinstance(role, str) or not role:
        yield diag("INVALID_VALUE", where, "RoleArn must be a non-empty string (a role's ARN)")
    elif language == "JSONata":
        yield from jsonata_fields(role, where)


def positive_int(value: Any) -> bool:
    """An integer above zero (booleans are not integers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def esc(key: str) -> str:
    """`key` escaped as one JSON-pointer segment."""
    return str(key).replace("~", "~0").replace("/", "~1")


def diag(code: str, location: str, message: str, severity: str = "error") -> Diagnostic:
    """One diagnostic."""
    return {"code": code, "location": location, "message": message, "severity": severity}
