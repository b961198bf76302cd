"""The `States.*` intrinsic functions of JSONPath states: parsing and evaluation.

A call such as `States.Format('{} of {}', $.a, States.ArrayLength($.b))` is parsed once into
a tree; evaluation resolves the `$` arguments and applies the functions, as Step Functions
does:

- an argument path that names nothing fails with `States.Runtime` ("The function '...' had
  the following error: The JsonPath argument for the field '$.x' could not be found in the
  input '...'");
- a function given arguments it cannot use fails with `States.Runtime` too: AWS reserves
  `States.IntrinsicFailure` for future use and reports intrinsic errors as runtime errors;
- numbers that must be integers (MathAdd, MathRandom, ArrayRange, ArrayPartition) are
  rounded the way Java's Math.round does (half up: 2.5 -> 3, -2.5 -> -2).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from podium.asl import errors, java, jsonpath, refs

MAX_NESTING = 10
MAX_RANGE = 1000
MAX_ENCODE = 10_000
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

_NAME = re.compile(r"States\.([A-Za-z0-9]+)\(")
_LITERAL = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null")


class IntrinsicSyntaxError(ValueError):
    """An intrinsic call that does not parse."""


class _Missing(LookupError):
    """An argument path that names nothing."""


def is_call(text: Any) -> bool:
    """Whether a `.$` value is an intrinsic call rather than a path."""
    return isinstance(text, str) and text.startswith("States.")


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> tuple[Any, ...]:
    """The call tree of `text`: ("call", name, args).

    Arguments are calls, ("path", p) or ("lit", value, raw), where `raw` is a string
    literal's text with its escapes kept (None for other literals).
    """
    parser = _Parser(text)
    node = parser.call(0)
    parser.space()
    if parser.i != len(text):
        raise IntrinsicSyntaxError(f"{text!r}: unexpected text at {parser.i}")
    return node


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def space(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def call(self, depth: int) -> tuple[Any, ...]:
        if depth >= MAX_NESTING:
            raise IntrinsicSyntaxError(f"{self.text!r}: more than {MAX_NESTING} nested calls")
        m = _NAME.match(self.text, self.i)
        if not m:
            raise IntrinsicSyntaxError(f"{self.text!r}: expected States.Name( at {self.i}")
        name = m.group(1)
        if name not in FUNCTIONS:
            raise IntrinsicSyntaxError(f"{self.text!r}: unknown function States.{name}")
        self.i = m.end()
        args: list[tuple[Any, ...]] = []
        self.space()
        if self.peek() == ")":
            self.i += 1
            return ("call", name, tuple(args))
        while True:
            self.space()
            args.append(self.arg(depth))
            self.space()
            c = self.peek()
            self.i += 1
            if c == ")":
                return ("call", name, tuple(args))
            if c != ",":
                raise IntrinsicSyntaxError(f"{self.text!r}: expected ',' or ')' at {self.i - 1}")

    def arg(self, depth: int) -> tuple[Any, ...]:
        c = self.peek()
        if c == "'":
            raw = self.string()
            return ("lit", unescape(raw), raw)
        if c == "$":
            return ("path", self.path())
        if self.text.startswith("States.", self.i):
            return self.call(depth + 1)
        m = _LITERAL.match(self.text, self.i)
        if not m:
            raise IntrinsicSyntaxError(f"{self.text!r}: bad argument at {self.i}")
        self.i = m.end()
        return ("lit", json.loads(m.group()), None)

    def string(self) -> str:
        """The text between single quotes, escapes left as written."""
        start = self.i = self.i + 1
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == "\\":
                if self.i + 1 >= len(self.text):
                    break
                if self.text[self.i + 1] not in ESCAPABLE:
                    raise IntrinsicSyntaxError(
                        f"{self.text!r}: illegal escape sequence "
                        f"'\\{self.text[self.i + 1]}' at {self.i} in a string literal; only "
                        "\\' \\{ \\} and \\\\ may be escaped (write \\\\ for a backslash)"
                    )
                self.i += 2
                continue
            if c == "'":
                self.i += 1
                return self.text[start : self.i - 1]
            self.i += 1
        raise IntrinsicSyntaxError(f"{self.text!r}: unterminated string")

    def path(self) -> str:
        start, depth, quote = self.i, 0, ""
        while self.i < len(self.text):
            c = self.text[self.i]
            if quote:
                if c == "\\":  # an escaped character inside a quoted name: \' or \"
                    self.i += 1
                elif c == quote:
                    quote = ""
            elif c in "'\"" and depth > 0:
                quote = c
            elif c in "[(":
                depth += 1
            elif c in "])":
                if depth == 0:
                    break
                depth -= 1
            elif (c == "," or c.isspace()) and depth == 0:
                break
            self.i += 1
        return self.text[start : self.i]


ESCAPABLE = "'{}\\"


def unescape(raw: str, reserved: str = ESCAPABLE) -> str:
    """A string literal's value: a backslash before ' { } or itself stands for that character."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw) and raw[i + 1] in reserved:
            out.append(raw[i + 1])
            i += 2
            continue
        out.append(raw[i])
        i += 1
    return "".join(out)


def evaluate(
    text: str,
    data: Any,
    context: Any,
    variables: Mapping[str, Any],
    effects: Any = None,
) -> Any:
    """Evaluate the intrinsic call `text` against the state's `data`."""
    try:
        tree = parse(text)
    except IntrinsicSyntaxError as exc:
        raise errors.failure(errors.RUNTIME, str(exc)) from None
    try:
        return _eval(tree, _Scope(data, context, variables, effects))
    except _Missing as exc:
        raise errors.failure(
            errors.RUNTIME,
            f"The function '{text}' had the following error: The JsonPath argument for the "
            f"field '{exc.args[0]}' could not be found in the input '{dumps(data)}'",
        ) from None


class _Scope:
    def __init__(self, data: Any, context: Any, variables: Mapping[str, Any], effects: Any):
        self.data, self.context, self.variables, self.effects = data, context, variables, effects


def _eval(node: tuple[Any, ...], scope: _Scope) -> Any:
    if node[0] == "lit":
        return node[1]
    if node[0] == "path":
        return _resolve(node[1], scope)
    name, nodes = node[1], node[2]
    args = [_eval(a, scope) for a in nodes]
    if name == "Format" and nodes and nodes[0][0] == "lit" and isinstance(nodes[0][2], str):
        args[0] = nodes[0][2]  # the template's brace escapes are read by Format itself
    if name == "UUID":
        _arity("UUID", args, 0)
        return scope.effects.uuid4() if scope.effects is not None else str(uuid.uuid4())
    if name == "MathRandom" and len(args) == 2 and scope.effects is not None:
        return _math_random(*args, rand=scope.effects.random)
    return FUNCTIONS[name](*args)


def _resolve(path: str, scope: _Scope) -> Any:
    try:
        return refs.resolve(path, scope.data, scope.context, scope.variables)
    except (jsonpath.PathMissing, jsonpath.PathError, KeyError):
        raise _Missing("$" + path[2:] if path.startswith("$$") else path) from None


def _fail(name: str, why: str) -> Any:
    raise errors.failure(errors.RUNTIME, f"Invalid arguments in States.{name}: {why}")


def _arity(name: str, args: Any, low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        _fail(name, f"expected {want} arguments but got {len(args)}")


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _need(name: str, value: Any, kind: type, what: str) -> None:
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        names = {list: "an array", str: "a string", dict: "a JSON object", bool: "a boolean"}
        _fail(name, f"{what} must be {names.get(kind, 'a value')}, not {dumps(value)}")


def _rounded(name: str, value: Any, what: str) -> int:
    """An integer argument; Step Functions rounds a non-integer number to the nearest one."""
    if not _is_num(value):
        _fail(name, f"{what} must be a number, not {dumps(value)}")
    return java.round_half_up(value)


def _integer(name: str, value: Any, what: str) -> int:
    """An argument that must already be an integer (2.0 counts as one)."""
    if _is_num(value) and float(value).is_integer():
        return int(value)
    return int(_fail(name, f"{what} must be an integer, not {dumps(value)}"))


def dumps(value: Any) -> str:
    """Compact JSON, as Step Functions writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def render(value: Any) -> str:
    """A value as States.Format writes it.

    Strings bare, objects as {k=v, ...} and arrays as [a, b] (Java's toString of the parsed
    JSON), other values as JSON.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, float):
        return java.double_to_string(value)
    return dumps(value)


def _format(*args: Any) -> str:
    if not args:
        _fail("Format", "expected at least 1 argument but got 0")
    template, values = args[0], list(args[1:])
    _need("Format", template, str, "the first argument")
    out: list[str] = []
    i, used = 0, 0
    while i < len(template):
        if template[i] == "\\" and i + 1 < len(template) and template[i + 1] in ESCAPABLE:
            out.append(template[i + 1])
            i += 2
        elif template.startswith("{}", i):
            if used < len(values):
                out.append(render(values[used]))
            used += 1
            i += 2
        else:
            out.append(template[i])
            i += 1
    if used != len(values):
        _fail("Format", f"the template has {used} placeholders but {len(values)} values")
    return "".join(out)


def _string_to_json(*args: Any) -> Any:
    _arity("StringToJson", args, 1)
    _need("StringToJson", args[0], str, "the argument")
    if not args[0].strip():
        return None
    try:
        return json.loads(args[0])
    except json.JSONDecodeError as exc:
        return _fail("StringToJson", f"the argument is not JSON ({exc})")


def _json_to_string(*args: Any) -> str:
    _arity("JsonToString", args, 1)
    return dumps(args[0])


def _array(*args: Any) -> list[Any]:
    return list(args)


def _array_partition(*args: Any) -> list[Any]:
    _arity("ArrayPartition", args, 2)
    items, size = args
    _need("ArrayPartition", items, list, "the first argument")
    size = _rounded("ArrayPartition", size, "the chunk size")
    if size <= 0:
        _fail("ArrayPartition", "the chunk size must be greater than 0")
    return [items[i : i + size] for i in range(0, len(items), size)]


def same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, and objects and arrays compare deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or a.keys() != b.keys():
            return False
        return all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) or isinstance(b, list):
        if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
            return False
        return all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _array_contains(*args: Any) -> bool:
    _arity("ArrayContains", args, 2)
    _need("ArrayContains", args[0], list, "the first argument")
    return any(same(item, args[1]) for item in args[0])


def _array_range(*args: Any) -> list[int]:
    _arity("ArrayRange", args, 3)
    start = _rounded("ArrayRange", args[0], "the start")
    end = _rounded("ArrayRange", args[1], "the end")
    step = _rounded("ArrayRange", args[2], "the step")
    if step == 0:
        _fail("ArrayRange", "the step must not be 0")
    count = max(0, (end - start) // step + 1)
    if count > MAX_RANGE:
        _fail("ArrayRange", f"the array would have {count} items, more than {MAX_RANGE}")
    return list(range(start, end + (1 if step > 0 else -1), step))


def _array_get_item(*args: Any) -> Any:
    _arity("ArrayGetItem", args, 2)
    _need("ArrayGetItem", args[0], list, "the first argument")
    index = _integer("ArrayGetItem", args[1], "the index")
    if not 0 <= index < len(args[0]):
        _fail("ArrayGetItem", f"the index {index} is out of bounds")
    return args[0][index]


def _array_length(*args: Any) -> int:
    _arity("ArrayLength", args, 1)
    _need("ArrayLength", args[0], list, "the argument")
    return len(args[0])


def _array_unique(*args: Any) -> list[Any]:
    _arity("ArrayUnique", args, 1)
    _need("ArrayUnique", args[0], list, "the argument")
    out: list[Any] = []
    for item in args[0]:
        if not any(same(item, seen) for seen in out):
            out.append(item)
    return out


def _limited(name: str, args: Any) -> str:
    _arity(name, args, 1)
    _need(name, args[0], str, "the argument")
    if len(args[0]) > MAX_ENCODE:
        _fail(name, f"the input is longer than {MAX_ENCODE} characters")
    return str(args[0])


def _base64_encode(*args: Any) -> str:
    return base64.b64encode(_limited("Base64Encode", args).encode()).decode()


def _base64_decode(*args: Any) -> str:
    text = _limited("Base64Decode", args)
    if len(text) % 4 in (2, 3):
        text += "=" * (4 - len(text) % 4)
    try:
        return base64.b64decode(text, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return str(_fail("Base64Decode", "the argument is not valid base64"))


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384"}
_HASHES["SHA-512"] = "sha512"


def _hash(*args: Any) -> str:
    _arity("Hash", args, 2)
    data, algorithm = args
    _need("Hash", data, str, "the data")
    if len(data) > MAX_ENCODE:
        _fail("Hash", f"the input is longer than {MAX_ENCODE} characters")
    if algorithm not in _HASHES:
        _fail("Hash", f"the algorithm {dumps(algorithm)} is not one of {', '.join(_HASHES)}")
    return hashlib.new(_HASHES[algorithm], data.encode()).hexdigest()


def _json_merge(*args: Any) -> dict[str, Any]:
    _arity("JsonMerge", args, 3)
    left, right, deep = args
    _need("JsonMerge", left, dict, "the first argument")
    _need("JsonMerge", right, dict, "the second argument")
    _need("JsonMerge", deep, bool, "the third argument")
    if deep:
        _fail("JsonMerge", "only the shallow merge is supported; the third argument is false")
    merged = {**left, **right}
    return {key: merged[key] for key in java.hashmap_order(list(left), list(right))}


def _math_random(*args: Any, rand: Callable[[], float] | None = None) -> int:
    _arity("MathRandom", args, 2, 3)
    start = _rounded("MathRandom", args[0], "the start")
    end = _rounded("MathRandom", args[1], "the end")
    if start >= end:
        _fail("MathRandom", "the start must be less than the end")
    if len(args) == 3:
        seed = _rounded("MathRandom", args[2], "the seed")
        return start + java.Random(seed).next_int(end - start)
    draw = rand() if rand is not None else uuid.uuid4().int / 2**128
    return start + int(draw * (end - start))


def _math_add(*args: Any) -> int:
    _arity("MathAdd", args, 2)
    total = 0
    for index, value in enumerate(args):
        number = _rounded("MathAdd", value, f"argument {index + 1}")
        if not INT_MIN <= number <= INT_MAX:
            _fail("MathAdd", f"{number} is outside the range {INT_MIN} to {INT_MAX}")
        total += number
    return total


def _string_split(*args: Any) -> list[str]:
    _arity("StringSplit", args, 2)
    text, splitter = args
    _need("StringSplit", text, str, "the first argument")
    _need("StringSplit", splitter, str, "the second argument")
    if not splitter:
        return [text] if text else []
    parts = re.split("[" + re.escape(splitter) + "]", text)
    return [p for p in parts if p]


def _uuid(*args: Any) -> str:
    _arity("UUID", args, 0)
    return str(uuid.uuid4())


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "Format": _format,
    "StringToJson": _string_to_json,
    "JsonToString": _json_to_string,
    "Array": _array,
    "ArrayPartition": _array_partition,
    "ArrayContains": _array_contains,
    "ArrayRange": _array_range,
    "ArrayGetItem": _array_get_item,
    "ArrayLength": _array_length,
    "ArrayUnique": _array_unique,
    "Base64Encode": _base64_encode,
    "Base64Decode": _base64_decode,
    "Hash": _hash,
    "JsonMerge": _json_merge,
    "MathRandom": _math_random,
    "MathAdd": _math_add,
    "StringSplit": _string_split,
    "UUID": _uuid,
}
