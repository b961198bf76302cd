"""The `States.*` intrinsic functions of JSONPath states: parsing and evaluation.

A call such as `States.Format('{} of {}', $.a, States.ArrayLength($.b))` is parsed once into
a tree; evaluation resolves `$` arguments and applies the functions. Every failure raises
`States.IntrinsicFailure` (a path naming nothing too), as Step Functions does.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random as _random
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from podium.asl import errors, jsonpath, refs

MAX_NESTING = 10
MAX_RANGE = 1000
MAX_ENCODE = 10_000


class IntrinsicSyntaxError(ValueError):
    """An intrinsic call that does not parse."""


def is_call(text: Any) -> bool:
    """Whether a `.$` value is an intrinsic call rather than a path."""
    return isinstance(text, str) and text.startswith("States.")


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> tuple[Any, ...]:
    """The call tree of `text`: ("call", name, args) with args ("lit", v)/("path", p)/calls."""
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

    def call(self, depth: int) -> tuple[Any, ...]:
        if depth >= MAX_NESTING:
            raise IntrinsicSyntaxError(f"{self.text!r}: more than {MAX_NESTING} nested calls")
        m = re.compile(r"States\.([A-Za-z0-9]+)\(").match(self.text, self.i)
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

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def arg(self, depth: int) -> tuple[Any, ...]:
        c = self.peek()
        if c == "'":
            return ("lit", self.string())
        if c == "$":
            return ("path", self.path())
        if self.text.startswith("States.", self.i):
            return self.call(depth + 1)
        m = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null").match(self.text, self.i)
        if not m:
            raise IntrinsicSyntaxError(f"{self.text!r}: bad argument at {self.i}")
        self.i = m.end()
        return ("lit", json.loads(m.group()))

    def string(self) -> str:
        out: list[str] = []
        self.i += 1
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == "\\" and self.i + 1 < len(self.text):
                nxt = self.text[self.i + 1]
                out.append(nxt if nxt in "'\\" else c + nxt)
                self.i += 2
                continue
            if c == "'":
                self.i += 1
                return "".join(out)
            out.append(c)
            self.i += 1
        raise IntrinsicSyntaxError(f"{self.text!r}: unterminated string")

    def path(self) -> str:
        start, depth, quote = self.i, 0, ""
        while self.i < len(self.text):
            c = self.text[self.i]
            if quote:
                if c == quote:
                    quote = ""
            elif c in "'\"" and depth > 0:
                quote = c
            elif c in "[(":
                depth += 1
            elif c in "])":
                if depth == 0:
                    break
                depth -= 1
            elif c == "," and depth == 0:
                break
            self.i += 1
        return self.text[start : self.i].strip()


Random = Callable[[], float]


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
        raise errors.failure(errors.INTRINSIC, str(exc)) from None
    return _eval(tree, data, context, variables, effects)


def _eval(
    node: tuple[Any, ...],
    data: Any,
    context: Any,
    variables: Mapping[str, Any],
    effects: Any,
) -> Any:
    if node[0] == "lit":
        return node[1]
    if node[0] == "path":
        try:
            return refs.resolve(node[1], data, context, variables)
        except (jsonpath.PathMissing, KeyError, jsonpath.PathError):
            raise errors.failure(
                errors.INTRINSIC,
                f"The JsonPath argument '{node[1]}' could not be found in the input",
            ) from None
    name, args = node[1], [_eval(a, data, context, variables, effects) for a in node[2]]
    if name == "UUID":
        if args:
            _fail("UUID", "takes no arguments")
        return effects.uuid4() if effects is not None else str(uuid.uuid4())
    if name == "MathRandom" and len(args) == 2:
        rand = effects.random if effects is not None else _random.random
        return _math_random(*args, rand=rand)
    try:
        return FUNCTIONS[name](*args)
    except errors.ASLError:
        raise
    except TypeError as exc:
        raise errors.failure(errors.INTRINSIC, f"States.{name}: {exc}") from None
    except (ValueError, KeyError, IndexError, OverflowError) as exc:
        raise errors.failure(errors.INTRINSIC, f"States.{name}: {exc}") from None


def _fail(name: str, why: str) -> Any:
    raise errors.failure(errors.INTRINSIC, f"States.{name}: {why}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _integer(name: str, value: Any, what: str) -> int:
    if _is_num(value) and float(value).is_integer():
        return int(value)
    return int(_fail(name, f"{what} must be an integer, not {json.dumps(value)}"))


def _need(name: str, value: Any, kind: type | tuple[type, ...], what: str) -> None:
    if isinstance(value, bool) and kind is not bool:
        _fail(name, f"{what} must be a {_kind_name(kind)}")
    if not isinstance(value, kind):
        _fail(name, f"{what} must be a {_kind_name(kind)}, not {json.dumps(value)}")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {list: "JSON array", str: "string", dict: "JSON object", bool: "boolean"}
    return names.get(kind, "value") if isinstance(kind, type) else "value"


def _arity(name: str, args: tuple[Any, ...], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        _fail(name, f"expects {want} arguments, got {len(args)}")


def dumps(value: Any) -> str:
    """Compact JSON, as Step Functions writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _format(*args: Any) -> str:
    if not args:
        _fail("Format", "needs a template string")
    template, values = args[0], list(args[1:])
    _need("Format", template, str, "the template")
    out: list[str] = []
    i, used = 0, 0
    while i < len(template):
        c = template[i]
        if c == "\\" and i + 1 < len(template) and template[i + 1] in "{}\\'":
            out.append(template[i + 1])
            i += 2
            continue
        if template.startswith("{}", i):
            if used >= len(values):
                _fail("Format", "has more {} placeholders than arguments")
            value = values[used]
            out.append(value if isinstance(value, str) else dumps(value))
            used += 1
            i += 2
            continue
        out.append(c)
        i += 1
    if used != len(values):
        _fail("Format", f"has {used} placeholders but {len(values)} arguments")
    return "".join(out)


def _string_to_json(*args: Any) -> Any:
    _arity("StringToJson", args, 1)
    _need("StringToJson", args[0], str, "the argument")
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
    size = _integer("ArrayPartition", size, "the chunk size")
    if size <= 0:
        _fail("ArrayPartition", "the chunk size must be greater than 0")
    return [items[i : i + size] for i in range(0, len(items), size)]


def _array_contains(*args: Any) -> bool:
    _arity("ArrayContains", args, 2)
    _need("ArrayContains", args[0], list, "the first argument")
    return any(_equal(item, args[1]) for item in args[0])


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _array_range(*args: Any) -> list[int]:
    _arity("ArrayRange", args, 3)
    start = _integer("ArrayRange", args[0], "the start")
    end = _integer("ArrayRange", args[1], "the end")
    step = _integer("ArrayRange", args[2], "the step")
    if step == 0:
        _fail("ArrayRange", "the step must not be 0")
    values = list(range(start, end + (1 if step > 0 else -1), step))
    if len(values) > MAX_RANGE:
        _fail("ArrayRange", f"the result would have more than {MAX_RANGE} items")
    return values


def _array_get_item(*args: Any) -> Any:
    _arity("ArrayGetItem", args, 2)
    _need("ArrayGetItem", args[0], list, "the first argument")
    index = _integer("ArrayGetItem", args[1], "the index")
    if not 0 <= index < len(args[0]):
        _fail("ArrayGetItem", f"index {index} is out of bounds")
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
        if not any(_equal(item, seen) for seen in out):
            out.append(item)
    return out


def _base64_encode(*args: Any) -> str:
    _arity("Base64Encode", args, 1)
    _need("Base64Encode", args[0], str, "the argument")
    if len(args[0]) > MAX_ENCODE:
        _fail("Base64Encode", f"the input is longer than {MAX_ENCODE} characters")
    return base64.b64encode(args[0].encode()).decode()


def _base64_decode(*args: Any) -> str:
    _arity("Base64Decode", args, 1)
    _need("Base64Decode", args[0], str, "the argument")
    if len(args[0]) > MAX_ENCODE:
        _fail("Base64Decode", f"the input is longer than {MAX_ENCODE} characters")
    try:
        return base64.b64decode(args[0], validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return str(_fail("Base64Decode", "the argument is not valid base64"))


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384"}
_HASHES["SHA-512"] = "sha512"


def _hash(*args: Any) -> str:
    _arity("Hash", args, 2)
    data, algorithm = args
    if data is None:
        _fail("Hash", "the data must not be null")
    text = data if isinstance(data, str) else dumps(data)
    if len(text) > MAX_ENCODE:
        _fail("Hash", f"the input is longer than {MAX_ENCODE} characters")
    if algorithm not in _HASHES:
        _fail("Hash", f"algorithm {algorithm!r} is not one of {', '.join(_HASHES)}")
    return hashlib.new(_HASHES[algorithm], text.encode()).hexdigest()


def _json_merge(*args: Any) -> dict[str, Any]:
    _arity("JsonMerge", args, 3)
    left, right, deep = args
    _need("JsonMerge", left, dict, "the first argument")
    _need("JsonMerge", right, dict, "the second argument")
    _need("JsonMerge", deep, bool, "the third argument")
    if deep:
        _fail("JsonMerge", "deep merging is not supported; pass false")
    return {**left, **right}


def _math_random(*args: Any, rand: Random = _random.random) -> int:
    _arity("MathRandom", args, 2, 3)
    start = _integer("MathRandom", args[0], "the start")
    end = _integer("MathRandom", args[1], "the end")
    if start >= end:
        _fail("MathRandom", "the start must be less than the end")
    if len(args) == 3:
        seed = _integer("MathRandom", args[2], "the seed")
        return _random.Random(seed).randrange(start, end)
    return start + int(rand() * (end - start))


def _math_add(*args: Any) -> int:
    _arity("MathAdd", args, 2)
    return _integer("MathAdd", args[0], "the first argument") + _integer(
        "MathAdd", args[1], "the second argument"
    )


def _string_split(*args: Any) -> list[str]:
    _arity("StringSplit", args, 2)
    text, splitter = args
    _need("StringSplit", text, str, "the first argument")
    _need("StringSplit", splitter, str, "the splitter")
    if not splitter:
        return [text] if text else []
    parts = re.split("[" + re.escape(splitter) + "]", text)
    return [p for p in parts if p]


def _uuid(*args: Any) -> str:  # pragma: no cover - evaluated in _eval for determinism
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
