"""The functions Step Functions adds to JSONata, bound into every JSONata evaluation.

Step Functions runs JSONata 2.0.6 with six extra functions and without `$eval`:

- `$partition(array, size)`: the array cut into chunks of `size`, the last holding the rest;
  `$partition([1,2,3,4], 3)` is `[[1,2,3],[4]]`.
- `$range(start, end, step)`: `start`, `start+step`, ... up to `end` inclusive;
  `$range(0, 10, 2)` is `[0,2,4,6,8,10]`, and a range of one value is that bare number.
- `$hash(value, algorithm)`: the lowercase hex digest of a string with MD5, SHA-1, SHA-256,
  SHA-384 or SHA-512.
- `$random([seed])`: a number in [0, 1); with a seed, the same number every time (Java's
  `new Random(seed).nextDouble()`, which is what Step Functions draws from).
- `$uuid()`: a version 4 UUID.
- `$parse(jsonString)`: the value a JSON text denotes (the replacement for `$eval`).

Arguments that are not whole numbers are truncated towards zero. A missing argument (or one
that is undefined), an empty array, a zero chunk size or a step that walks away from the end
give undefined, which fails the field that used it; an argument of the wrong type fails with
the JSONata signature error T0410. `$now()` and `$millis()` read the interpreter's clock so that
a replayed run sees the same time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable
from typing import Any

from podium.asl import java, plain

HASH_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}
MAX_RANGE = 360_145
"""The largest `$range` Step Functions builds; one more element fails the expression."""


class FunctionError(Exception):
    """A JSONata error raised by one of these functions: `code` like T0410, then the text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def bindings(effects: Any = None) -> dict[str, Any]:
    """The JSONata bindings of the Step Functions functions (and `$eval` removed)."""
    source = effects if effects is not None else plain.PlainEffects()
    millis = int(source.now().timestamp() * 1000)
    table: dict[str, tuple[int, Callable[..., Any]]] = {
        "partition": (2, partition),
        "range": (3, range_),
        "hash": (2, hash_),
        "random": (1, lambda *args: random(*args, draw=source.random)),
        "uuid": (0, lambda *args: uuid(*args, make=source.uuid4)),
        "parse": (1, parse),
        "now": (2, lambda *args: _now(millis, *args)),
        "millis": (0, lambda *args: millis),
    }
    native = _native_class()
    out: dict[str, Any] = {name: native(name, fn, n) for name, (n, fn) in table.items()}
    out["eval"] = None
    return out


@functools.cache
def _native_class() -> Any:
    """A library function object that also supports partial application (`$f(?, 2)`)."""
    from jsonata.jsonata import Jsonata  # type: ignore[import-untyped]

    class Native(Jsonata.JLambda):  # type: ignore[misc]
        def __init__(self, name: str, function: Callable[..., Any], arity: int) -> None:
            super().__init__(function)
            self.function_name = name
            self.arity = arity

        def get_number_of_args(self) -> int:
            return self.arity

    return Native


def _signature(name: str, position: int) -> FunctionError:
    return FunctionError(
        "T0410", f'Argument {position} of function "{name}" does not match function signature'
    )


def _args(name: str, args: tuple[Any, ...], allowed: int) -> list[Any]:
    """`args`, refused past `allowed` of them, padded with undefined (None) to `allowed`."""
    if len(args) > allowed:
        raise _signature(name, allowed + 1)
    return [*args, *[None] * (allowed - len(args))]


def _undefined(value: Any) -> bool:
    return value is None


def _number(name: str, value: Any, position: int) -> int:
    """A numeric argument truncated towards zero."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _signature(name, position)
    if isinstance(value, float) and not math.isfinite(value):
        raise _signature(name, position)
    return int(value)


def partition(*args: Any) -> Any:
    """`$partition(array, size)`."""
    array, size_arg = _args("partition", args, 2)
    if _undefined(array):
        return None
    if not isinstance(array, list):
        raise FunctionError(
            "T0412", 'Argument 1 of function "partition" must be an array of undefined'
        )
    if not array:
        return None
    if _undefined(size_arg):
        return [list(array)]
    size = _number("partition", size_arg, 2)
    if size < 0:
        raise FunctionError("D3137", "Second argument must be zero or greater")
    if size == 0:
        return None
    return [list(array[i : i + size]) for i in range(0, len(array), size)]


def range_(*args: Any) -> Any:
    """`$range(start, end, step)`: inclusive of `end`; one value is returned bare."""
    padded = _args("range", args, 3)
    for position, value in enumerate(padded, start=1):
        if not _undefined(value):
            _number("range", value, position)
    if any(_undefined(value) for value in padded):
        return None
    start, end, step = (_number("range", v, i) for i, v in enumerate(padded, start=1))
    if step == 0 or (step > 0 and start > end) or (step < 0 and start < end):
        return None
    count = (end - start) // step + 1
    if count > MAX_RANGE:
        raise FunctionError("D3137", "Expression evaluation memory limit exceeded")
    if count == 1:
        return start
    return [start + i * step for i in range(count)]


def hash_(*args: Any) -> Any:
    """`$hash(value, algorithm)`: the hex digest of a string."""
    value, algorithm = _args("hash", args, 2)
    if not isinstance(value, str):
        raise _signature("hash", 1)
    if _undefined(algorithm):
        return None
    if not isinstance(algorithm, str):
        raise _signature("hash", 2)
    name = HASH_ALGORITHMS.get(algorithm)
    if name is None:
        raise FunctionError(
            "D3137",
            f"Hash algorithm '{algorithm}' must be one of SHA-1, SHA-384, SHA-256, SHA-512, MD5",
        )
    return hashlib.new(name, value.encode("utf-8")).hexdigest()


def random(*args: Any, draw: Callable[[], float]) -> float:
    """`$random([seed])`: seeded like Java's `new Random(seed).nextDouble()`."""
    (seed,) = _args("random", args, 1)
    if _undefined(seed):
        return draw()
    return java.Random(_number("random", seed, 1)).next_double()


def uuid(*args: Any, make: Callable[[], str]) -> str:
    """`$uuid()`: a version 4 UUID."""
    _args("uuid", args, 0)
    return make()


def parse(*args: Any) -> Any:
    """`$parse(jsonString)`: the JSON value of a string."""
    from jsonata import utils  # type: ignore[import-untyped]

    (text,) = _args("parse", args, 1)
    if _undefined(text):
        return None
    if not isinstance(text, str):
        raise _signature("parse", 1)
    try:
        value = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique)
    except ValueError:
        raise FunctionError("D3137", "Invalid JSON") from None
    return utils.Utils.NULL_VALUE if value is None else value


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(key)
        out[key] = value
    return out


def _now(millis: int, *args: Any) -> Any:
    from jsonata import functions

    picture = args[0] if args else None
    zone = args[1] if len(args) > 1 else None
    return functions.Functions.datetime_from_millis(millis, picture, zone)
