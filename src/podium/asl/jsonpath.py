"""The JSONPath subset Step Functions uses: reference paths, wildcards, slices and filters.

A path is compiled once into segments. `find` returns the value at a definite path (raising
`PathMissing` when absent) or the list of matches of an indefinite one (`[*]`, `..`, filters,
slices, unions), as Step Functions' Jayway-based evaluator does. `assign` writes a value at a
reference path for ResultPath.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from typing import Any


class PathError(ValueError):
    """A path that does not parse."""


class PathMissing(LookupError):
    """A definite path that names nothing in the document."""


@dataclasses.dataclass(frozen=True)
class Seg:
    """One step of a path: `kind` is name/index/wild/slice/union/filter/deep/function.

    A trailing function call (`.length()`, `.sum()`) parses, as Step Functions accepts it in a
    definition, but never finds anything when the path is evaluated.
    """

    kind: str
    value: Any = None


@dataclasses.dataclass(frozen=True)
class Path:
    """A compiled path: its text, segments and whether it names one value."""

    text: str
    segs: tuple[Seg, ...]
    definite: bool

    def is_reference(self) -> bool:
        """Only names and indexes: a path that ResultPath can write to."""
        return all(s.kind in ("name", "index") for s in self.segs)


_NAME = re.compile(r"[^.\[\]\s()'\"=<>!&|,]+")


@functools.lru_cache(maxsize=4096)
def compile_path(text: str) -> Path:
    """Parse `text` (starting with `$` or `@`); PathError says what is wrong."""
    if not isinstance(text, str) or not text or text[0] not in "$@":
        raise PathError(f"path {text!r} must start with '$'")
    segs: list[Seg] = []
    i, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == ".":
            dots = ".." if text.startswith("..", i) else "."
            i += len(dots)
            if dots == "..":
                segs.append(Seg("deep"))  # then what follows, at any depth
            if i < n and text[i] == "[":
                continue
            if i < n and text[i] == "*":
                segs.append(Seg("wild"))
                i += 1
                continue
            m = _NAME.match(text, i)
            if not m:
                raise PathError(f"path {text!r}: expected a name after '{dots}' at {i}")
            if dots == "." and text.startswith("()", m.end()) and m.end() + 2 == n:
                segs.append(Seg("function", m.group()))
                i = n
                continue
            segs.append(Seg("name", m.group()))
            i = m.end()
        elif c == "[":
            seg, i = _bracket(text, i + 1)
            segs.append(seg)
        else:
            raise PathError(f"path {text!r}: unexpected {c!r} at {i}")
    definite = all(s.kind in ("name", "index") for s in segs)
    return Path(text, tuple(segs), definite)


def _bracket(text: str, i: int) -> tuple[Seg, int]:
    """Parse what follows `[` up to its `]`."""
    if text.startswith("?(", i):
        end = _matching_paren(text, i + 1)
        expr = _parse_filter(text[i + 2 : end].strip())
        if not text.startswith("]", end + 1):
            raise PathError(f"path {text!r}: expected ']' after filter")
        return Seg("filter", expr), end + 2
    end = _close_bracket(text, i)
    body = text[i:end].strip()
    if body == "*":
        return Seg("wild"), end + 1
    parts = _split_top(body, ",")
    items: list[Any] = []
    for part in parts:
        part = part.strip()
        if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
            items.append(("name", _unquote(part[1:-1])))
        elif ":" in part:
            bounds = [b.strip() for b in part.split(":")]
            if len(bounds) > 3 or not all(re.fullmatch(r"-?\d*", b) for b in bounds):
                raise PathError(f"path {text!r}: bad slice [{part}]")
            nums = [int(b) if b else None for b in bounds]
            items.append(("slice", tuple(nums + [None] * (3 - len(nums)))))
        elif re.fullmatch(r"-?\d+", part):
            items.append(("index", int(part)))
        else:
            raise PathError(f"path {text!r}: bad subscript [{body}]")
    if len(items) == 1 and items[0][0] != "slice":
        return Seg(items[0][0], items[0][1]), end + 1
    if len(items) == 1:
        return Seg("slice", items[0][1]), end + 1
    return Seg("union", tuple(items)), end + 1


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _close_bracket(text: str, i: int) -> int:
    return _closing(text, i, "]")


def _matching_paren(text: str, i: int) -> int:
    return _closing(text, i, ")", "(")


def _closing(text: str, i: int, close: str, opener: str | None = None) -> int:
    """The index of the `close` that ends what starts at `i`, skipping quoted text."""
    depth, quote = 0, None
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == opener:
            depth += 1
        elif c == close:
            depth -= 1
            if depth <= 0:
                return i
        i += 1
    raise PathError(f"path {text!r}: missing '{close}'")


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, quote, start = [], 0, None, 0
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


# -- filters ---------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<op>==|!=|<=|>=|<|>|&&|\|\||!|=~|\(|\)|\[|\]|,)|(?P<str>'(?:\\.|[^'])*'|\"(?:\\.|[^\"])*\")"
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<path>[@$](?:\.\.?[^\s=!<>&|()\[]+|\[[^\]]*\])*)"
    r"|(?P<word>(?:true|false|null|in|nin|subsetof|anyof|noneof|size|empty)\b)|(?P<regex>/(?:\\.|[^/])*/[a-z]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        m = _TOKEN.match(text, i)
        if not m or m.end() == i:
            raise PathError(f"filter {text!r}: cannot read at {i}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        i = m.end()
    return out


def _parse_filter(text: str) -> Any:
    toks = _tokens(text)
    pos = [0]

    def peek() -> tuple[str, str] | None:
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take() -> tuple[str, str]:
        tok = peek()
        if tok is None:
            raise PathError(f"filter {text!r} ends early")
        pos[0] += 1
        return tok

    def chain(op: str, tag: str, part: Callable[[], Any]) -> Any:
        """`part`s joined by `op`, left to right, as `(tag, left, right)` nodes."""
        node = part()
        while peek() == ("op", op):
            take()
            node = (tag, node, part())
        return node

    def disj() -> Any:
        return chain("||", "or", conj)

    def conj() -> Any:
        return chain("&&", "and", unary)

    def unary() -> Any:
        if peek() == ("op", "!"):
            take()
            return ("not", unary())
        if peek() == ("op", "("):
            take()
            node = disj()
            if take() != ("op", ")"):
                raise PathError(f"filter {text!r}: missing ')'")
            return node
        left = operand()
        tok = peek()
        if tok and (
            (tok[0] == "op" and tok[1] in ("==", "!=", "<", "<=", ">", ">=", "=~"))
            or (tok[0] == "word" and tok[1] in _WORD_OPS)
        ):
            take()
            return ("cmp", tok[1], left, operand())
        return ("exists", left)

    def operand() -> Any:
        kind, value = take()
        if kind == "str":
            return ("lit", _unquote(value[1:-1]))
        if kind == "num":
            return ("lit", float(value) if any(c in value for c in ".eE") else int(value))
        if kind == "word" and value in ("true", "false", "null"):
            return ("lit", {"true": True, "false": False, "null": None}[value])
        if kind == "path":
            return ("path", compile_path(value))
        if kind == "regex":
            body, _, flags = value[1:].rpartition("/")
            return ("lit", re.compile(body, re.IGNORECASE if "i" in flags else 0))
        if (kind, value) == ("op", "["):
            return ("lit", array())
        raise PathError(f"filter {text!r}: unexpected {value!r}")

    def array() -> list[Any]:
        items: list[Any] = []
        while peek() != ("op", "]"):
            item = operand()
            if item[0] != "lit":
                raise PathError(f"filter {text!r}: array items must be literals")
            items.append(item[1])
            if peek() == ("op", ","):
                take()
            elif peek() != ("op", "]"):
                raise PathError(f"filter {text!r}: expected ',' or ']' in an array")
        take()
        return items

    node = disj()
    if peek() is not None:
        raise PathError(f"filter {text!r}: unexpected {peek()!r}")
    return node


_MISSING = object()


def _operand(node: Any, current: Any, root: Any) -> Any:
    if node[0] == "lit":
        return node[1]
    path: Path = node[1]
    base = current if path.text.startswith("@") else root
    found = _walk(path.segs, base, root)
    if path.definite:
        return found[0] if found else _MISSING
    return found


def _test(node: Any, current: Any, root: Any) -> bool:
    op = node[0]
    if op == "or":
        return _test(node[1], current, root) or _test(node[2], current, root)
    if op == "and":
        return _test(node[1], current, root) and _test(node[2], current, root)
    if op == "not":
        return not _test(node[1], current, root)
    if op == "exists":
        value = _operand(node[1], current, root)
        if node[1][0] == "path" and not node[1][1].definite:
            return bool(value)
        return value is not _MISSING
    left, right = _operand(node[2], current, root), _operand(node[3], current, root)
    if left is _MISSING or right is _MISSING:
        return node[1] == "!=" and not (left is _MISSING and right is _MISSING)
    return _compare(node[1], left, right)


_WORD_OPS = ("in", "nin", "subsetof", "anyof", "noneof", "size", "empty")


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("subsetof", "anyof", "noneof", "size", "empty"):
        return _collection(op, left, right)
    if op == "=~":
        return (
            isinstance(left, str) and isinstance(right, re.Pattern) and bool(right.fullmatch(left))
        )
    if op in ("in", "nin"):
        inside = isinstance(right, list) and any(_same(left, r) for r in right)
        return inside if op == "in" else not inside
    if op == "==":
        return _same(left, right)
    if op == "!=":
        return not _same(left, right)
    both_num = _is_num(left) and _is_num(right)
    both_str = isinstance(left, str) and isinstance(right, str)
    if not (both_num or both_str):
        return False
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def _collection(op: str, left: Any, right: Any) -> bool:
    """Jayway's collection operators: subsetof, anyof, noneof, size and empty."""
    if op in ("size", "empty"):
        if not isinstance(left, list | str | dict):
            return False
        if op == "size":
            return _is_num(right) and len(left) == right
        return isinstance(right, bool) and (len(left) == 0) == right
    if not (isinstance(left, list) and isinstance(right, list)):
        return False
    hits = [any(_same(item, other) for other in right) for item in left]
    if op == "subsetof":
        return all(hits)
    return any(hits) if op == "anyof" else not any(hits)


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


# -- evaluation ------------------------------------------------------------------------------


def _walk(segs: tuple[Seg, ...], value: Any, root: Any) -> list[Any]:
    current = [value]
    for seg in segs:
        nxt: list[Any] = []
        for item in current:
            _apply(seg, item, root, nxt)
        current = nxt
    return current


def _apply(seg: Seg, item: Any, root: Any, out: list[Any]) -> None:
    kind = seg.kind
    if kind == "name":
        if isinstance(item, dict) and seg.value in item:
            out.append(item[seg.value])
    elif kind == "index":
        if isinstance(item, list) and -len(item) <= seg.value < len(item):
            out.append(item[seg.value])
    elif kind == "wild":
        if isinstance(item, dict):
            out.extend(item.values())
        elif isinstance(item, list):
            out.extend(item)
    elif kind == "slice":
        if isinstance(item, list):
            start, stop, step = seg.value
            out.extend(item[slice(start, stop, step)])
    elif kind == "union" and all(sub_kind == "name" for sub_kind, _ in seg.value):
        if isinstance(item, dict):  # ['a','b'] picks those members into one object (Jayway)
            out.append({name: item[name] for _, name in seg.value if name in item})
    elif kind == "union":
        for sub_kind, sub_value in seg.value:
            _apply(Seg(sub_kind, sub_value), item, root, out)
    elif kind == "filter":
        children = item if isinstance(item, list) else [item] if isinstance(item, dict) else []
        out.extend(c for c in children if isinstance(c, dict | list) and _test(seg.value, c, root))
    elif kind == "deep":
        _descend(item, out)


def _descend(item: Any, out: list[Any]) -> None:
    out.append(item)
    if isinstance(item, dict):
        for child in item.values():
            _descend(child, out)
    elif isinstance(item, list):
        for child in item:
            _descend(child, out)


def find(path: str | Path, document: Any) -> Any:
    """The value at `path` in `document`: one value for a definite path, else a list."""
    compiled = compile_path(path) if isinstance(path, str) else path
    if not compiled.segs:
        return document
    if compiled.segs[-1].kind == "function":
        raise PathMissing(compiled.text)  # Step Functions evaluates no path functions
    if compiled.definite:
        value = document
        for seg in compiled.segs:
            if seg.kind == "name" and isinstance(value, dict) and seg.value in value:
                value = value[seg.value]
            elif (
                seg.kind == "index"
                and isinstance(value, list)
                and -len(value) <= seg.value < len(value)
            ):
                value = value[seg.value]
            else:
                raise PathMissing(compiled.text)
        return value
    return _walk(compiled.segs, document, document)


def assign(path: str, document: Any, value: Any) -> Any:
    """A copy of `document` with `value` written at the reference `path` (for ResultPath).

    Missing objects along the way are created. Raises LookupError when the path crosses a
    value that is not an object (or an array index out of range).
    """
    compiled = compile_path(path)
    if not compiled.is_reference():
        raise PathError(f"ResultPath {path!r} must be a reference path")
    return _assign(compiled.segs, document, value)


def _assign(segs: tuple[Seg, ...], node: Any, value: Any) -> Any:
    if not segs:
        return value
    seg, rest = segs[0], segs[1:]
    if seg.kind == "name":
        if not isinstance(node, dict):
            raise LookupError(seg.value)
        copy = dict(node)
        copy[seg.value] = _assign(rest, node.get(seg.value, {}) if rest else None, value)
        return copy
    if not isinstance(node, list) or not -len(node) <= seg.value < len(node):
        raise LookupError(seg.value)
    items = list(node)
    items[seg.value] = _assign(rest, node[seg.value], value)
    return items


def normalized(path: str | Path) -> str:
    """The path in bracket notation (`$['a'][0]`), as Step Functions quotes it in errors."""
    compiled = compile_path(path) if isinstance(path, str) else path
    parts = ["$"]
    for seg in compiled.segs:
        if seg.kind == "name":
            parts.append(f"['{seg.value}']")
        elif seg.kind == "index":
            parts.append(f"[{seg.value}]")
        elif seg.kind == "wild":
            parts.append("[*]")
        elif seg.kind == "deep":
            parts.append("..")
        else:
            return compiled.text
    return "".join(parts)


def miss_reason(path: str | Path, document: Any) -> str:
    """Why a definite `path` finds nothing in `document`, in Jayway's words."""
    compiled = compile_path(path) if isinstance(path, str) else path
    full = normalized(compiled)
    value, prefix = document, "$"
    for i, seg in enumerate(compiled.segs):
        if seg.kind == "name" and isinstance(value, dict):
            prefix += f"['{seg.value}']"
            if seg.value not in value:
                last = i == len(compiled.segs) - 1
                return (
                    f"No results for path: {full}" if last else f"Missing property in path {prefix}"
                )
            value = value[seg.value]
        elif (
            seg.kind == "index"
            and isinstance(value, list)
            and -len(value) <= seg.value < len(value)
        ):
            prefix += f"[{seg.value}]"
            value = value[seg.value]
        else:
            break
    return f"No results for path: {full}"
