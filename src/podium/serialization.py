"""The JSON-family codec: JSON values plus tagged dataclasses, datetimes, UUIDs, Decimals, models.

Values are stored as JSON text. Non-JSON types become `{"__podium__": tag, ...}` objects that
decode back to the same type. A `__podium__` key in the user's own data is escaped on encode
(the dict is stored as `{"__podium__": "dict", "v": [[key, value], ...]}`), so user data can
never forge a tag. Classes (dataclasses, pydantic models) are only rebuilt when *declared*:
this process encoded one, or they appear in the type hints of a registered workflow or step,
or `declare(cls)` named them. Stored data never makes podium import or call arbitrary code,
and every decoding problem is a `SerializationError`. Nothing is ever pickled.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import sys
import threading
import typing
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from podium import errors, redaction

TAG = redaction.TAG
_TAG_TEXT = f'"{TAG}"'
_TAG_KEY_TEXT = f'"{TAG}":'
"""How a tag key appears in JSON text: a string value is never followed by a colon."""

_DECLARED: dict[str, type] = {}
"""Classes the decoder may rebuild, by `module:qualname`."""

_emitted = threading.local()
"""How many tag objects the encoder produced during the current `dumps` on this thread."""


def declare(*classes: type) -> None:
    """Allow the decoder to rebuild these dataclasses/pydantic models (and their fields')."""
    for cls in classes:
        _declare(cls, 0)


def declare_hints(fn: Callable[..., Any]) -> None:
    """Declare the classes named in `fn`'s parameter and return annotations (best effort)."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # unresolvable forward references: nothing declared from them
        return
    for hint in hints.values():
        _declare_hint(hint, 0)


def _declare_hint(hint: Any, depth: int) -> None:
    if depth > 8:
        return
    if isinstance(hint, type):
        _declare(hint, depth)
    for arg in typing.get_args(hint):
        _declare_hint(arg, depth + 1)


def _declare(cls: type, depth: int) -> None:
    if not (dataclasses.is_dataclass(cls) or _is_pydantic(cls)):
        return
    path = _class_path(cls)
    if _DECLARED.get(path) is cls:
        return
    _DECLARED[path] = cls
    try:
        hints = typing.get_type_hints(cls)
    except Exception:
        return
    for hint in hints.values():
        _declare_hint(hint, depth + 1)


class _Unserializable(TypeError):
    def __init__(self, value: object) -> None:
        super().__init__(type(value).__qualname__)
        self.value = value


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _encode(value: Any) -> Any:
    _emitted.count = getattr(_emitted, "count", 0) + 1
    if isinstance(value, dt.datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {TAG: "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {TAG: "timedelta", "v": value.total_seconds()}
    if isinstance(value, uuid.UUID):
        return {TAG: "uuid", "v": str(value)}
    if isinstance(value, redaction.Secret):
        return {TAG: redaction.SECRET, "v": value.reveal()}
    if isinstance(value, decimal.Decimal):
        return {TAG: "decimal", "v": str(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        path = _class_path(type(value))
        _DECLARED.setdefault(path, type(value))
        return {TAG: "dataclass", "cls": path, "v": fields}
    dump = getattr(value, "model_dump", None)
    if callable(dump) and _is_pydantic(type(value)):
        path = _class_path(type(value))
        _DECLARED.setdefault(path, type(value))
        return {TAG: "pydantic", "cls": path, "v": dump(mode="json")}
    raise _Unserializable(value)


def _is_pydantic(cls: type) -> bool:
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and issubclass(cls, pydantic.BaseModel)


MAX_DEPTH = 100
"""How deeply values entering podium (starts, HTTP, CloudEvents, messages) may nest."""


def check(value: Any, what: str = "value") -> None:
    """Refuse what could be stored but not read back.

    That is nesting over MAX_DEPTH, and text (values or keys) holding NUL or a lone
    surrogate. Run at the boundaries (starts, messages, events), not on every checkpoint.
    """
    problem = _problem(value, 0)
    if problem is not None:
        raise errors.SerializationError(f"{what} {problem}")


def _problem(value: Any, depth: int) -> str | None:
    kind = type(value)
    if kind is str:
        return text_problem(value)
    if kind is int or kind is float or kind is bool or value is None:
        return None
    if depth >= MAX_DEPTH:
        return f"is nested more than {MAX_DEPTH} deep"
    if kind is dict or kind is list or kind is tuple:
        items = value.items() if kind is dict else enumerate(value)
        for key, item in items:
            found = (text_problem(key) if type(key) is str else None) or _problem(item, depth + 1)
            if found is not None:
                return found
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return _problem(fields, depth + 1)
    if isinstance(value, str):  # str subclasses
        return text_problem(str(value))
    dump = getattr(value, "model_dump", None)
    if callable(dump) and _is_pydantic(type(value)):
        return _problem(dump(mode="python"), depth + 1)
    return None


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored and read back as text (NUL, a lone surrogate), or None."""
    if text.isascii():
        return "holds a NUL character (\\x00)" if "\x00" in text else None
    if "\x00" in text:
        return "holds a NUL character (\\x00)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone surrogate, which is not text (it cannot be stored as UTF-8)"
    return None


def _escaped(value: Any) -> Any:
    """`value` with every user dict holding a tag key stored as a `dict` tag of pairs."""
    kind = type(value)
    if kind is dict:
        items = {k: _escaped(v) for k, v in value.items()}
        if TAG in items:
            return {TAG: "dict", "v": [[k, v] for k, v in items.items()]}
        return items
    if kind is list or kind is tuple:
        return [_escaped(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    encoded = _encode(value)
    if "v" in encoded and encoded[TAG] in ("dataclass", "pydantic", redaction.SECRET):
        encoded["v"] = _escaped(encoded["v"])
    return encoded


def _decode_object(obj: dict[str, Any]) -> Any:
    if TAG not in obj:
        return obj
    tag = obj[TAG]
    decoder = _DECODERS.get(tag) if isinstance(tag, str) else None
    if decoder is None:
        raise errors.SerializationError(f"stored value holds an unknown type tag {tag!r}")
    try:
        return decoder(obj, obj.get("v"))
    except errors.SerializationError:
        raise
    except Exception as exc:  # ValueError, OverflowError, pydantic's errors, ...
        raise errors.SerializationError(
            f"stored {tag} value cannot be read back: {type(exc).__name__}: {exc}"
        ) from None


def _decode_class(obj: dict[str, Any], value: Any) -> Any:
    if not isinstance(value, dict):
        raise TypeError(f"{obj[TAG]} fields must be an object")
    cls = _DECLARED.get(str(obj.get("cls", "")))
    if cls is None:  # not declared in this process: plain data, never an import or a call
        return value
    if dataclasses.is_dataclass(cls):
        return cls(**value)
    return cls.model_validate(value)  # type: ignore[attr-defined]


def _decode_dict(_obj: dict[str, Any], value: Any) -> dict[Any, Any]:
    if not isinstance(value, list) or not all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in value
    ):
        raise TypeError("escaped dict must be a list of [key, value] pairs")
    return {k: v for k, v in value}


_DECODERS: dict[str, Any] = {
    "datetime": lambda _o, v: dt.datetime.fromisoformat(v),
    "date": lambda _o, v: dt.date.fromisoformat(v),
    "time": lambda _o, v: dt.time.fromisoformat(v),
    "timedelta": lambda _o, v: dt.timedelta(seconds=v),
    "uuid": lambda _o, v: uuid.UUID(v),
    "decimal": lambda _o, v: decimal.Decimal(v),
    "dataclass": _decode_class,
    "pydantic": _decode_class,
    "dict": _decode_dict,
    redaction.SECRET: lambda _o, v: redaction.Secret(v),
    redaction.REDACTED: lambda _o, v: v,
}


_ENCODER = json.JSONEncoder(default=_encode, separators=(",", ":"), allow_nan=False)
"""The encoder `dumps` uses: built once, as `json.dumps` would build it again on every call."""


def _scalar_text(value: Any) -> str | None:
    """The JSON text of a str, int, bool or None, exactly as the encoder writes it; else None.

    Most step results and workflow outputs are such scalars: this skips the encoder's setup
    and its generic dispatch on the hot path of every checkpoint.
    """
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    return None


_encode_str = json.encoder.encode_basestring_ascii


def dumps_scalar(value: Any, limit: int | None) -> str | None:
    """`dumps(value)` of a str, int, bool or None within `limit`; None for anything else.

    The step path's shortcut: most step results are such scalars, and `dumps` would first
    need the text naming the value for its errors. On None, call `dumps`.
    """
    text = _scalar_text(value)
    if text is None or (limit is not None and len(text) > limit):
        return None
    return text


def dumps(
    value: Any, *, what: str = "value", limit: int | None = None, checked: bool = False
) -> str:
    """Serialize `value` to JSON text; SerializationError names `what` and the offending type.

    `checked=True` (at the boundaries: starts, messages, events) first runs `check`.
    """
    if checked:
        check(value, what)
    if limit is not None and type(value) not in _LEAVES:
        bound = size_at_least(value, limit)
        if bound > limit:  # refused before a byte of it is encoded
            raise errors.PayloadTooLarge(what, bound, limit, at_least=True)
    try:
        text = _scalar_text(value)
        if text is None:
            _emitted.count = 0
            text = _ENCODER.encode(value)
            if _TAG_KEY_TEXT in text and text.count(_TAG_KEY_TEXT) != _emitted.count:
                text = _ENCODER.encode(_escaped(value))  # user data holds a tag key
    except _Unserializable as exc:
        raise errors.SerializationError(
            f"{what} holds a value of type {type(exc.value).__qualname__!r}, which podium "
            "cannot store; "
            "use JSON values, dataclasses, datetime/date/UUID/Decimal or pydantic models"
        ) from None
    except (ValueError, TypeError) as exc:  # NaN, circular, non-string keys such as tuples
        raise errors.SerializationError(f"{what} cannot be stored as JSON: {exc}") from None
    except RecursionError:
        raise errors.SerializationError(f"{what} is nested too deeply (or is circular)") from None
    if limit is not None and len(text) > limit:
        raise errors.PayloadTooLarge(what, len(text), limit)
    return text


_WALK_DEPTH = 2 * MAX_DEPTH
"""How deep `size_at_least` looks: deeper parts count nothing (the bound stays a bound)."""


def size_at_least(value: Any, limit: int) -> int:
    """A lower bound of the JSON text `dumps(value)` writes, counted without writing it.

    The walk stops as soon as the count passes `limit`, so refusing a value far over the
    payload limit costs neither the value's size in memory nor time proportional to it: a
    100 MB string is one `len`, a list of ten million numbers stops after `limit / 2`
    of them. Every text character is at least one byte, every number one digit, and
    punctuation is counted exactly; dataclasses and pydantic models count their
    fields' values (a model's field with a serializer of its own counts nothing).
    Circular parts count once, so the encoder still names them as circular.
    """
    kind = type(value)
    if kind in _LEAVES:  # the common step result: no walk, no bookkeeping
        return 1
    if kind is str:
        return len(value) + 2
    return _at_least(value, limit, 0, set())


_LEAVES = frozenset({int, float, bool, type(None)})
"""Types whose JSON is at least one character, already counted for each item."""


def _at_least(value: Any, budget: int, depth: int, path: set[int]) -> int:
    """Bytes `value` takes at least, stopping once over `budget` (the caller's remainder)."""
    kind = type(value)
    if kind is str:
        return len(value) + 2
    if kind in _LEAVES:
        return 1
    if depth >= _WALK_DEPTH or id(value) in path:
        return 0
    if kind is dict:
        # Braces, commas, and per item a colon and a value's first character.
        total = 1 + 3 * len(value) if value else 2
        if total > budget:
            return total
        for key in value:  # fewer than `budget` of them
            total += len(key) + 2 if type(key) is str else 3  # "7": a number key is quoted
        items: Iterable[Any] = value.values()
    elif kind is list or kind is tuple:
        total = 1 + 2 * len(value) if value else 2  # brackets, commas, an item's first char
        if total > budget:
            return total
        items = value
    else:
        return _object_at_least(value, budget, depth, path)
    path.add(id(value))
    for item in items:
        kind = type(item)
        if kind is str:
            total += len(item) + 1
        elif kind in _LEAVES:
            continue
        else:
            total += _at_least(item, budget - total, depth + 1, path) - 1
        if total > budget:
            break
    path.discard(id(value))
    return total


def _object_at_least(value: Any, budget: int, depth: int, path: set[int]) -> int:
    """`_at_least` of a value that is no JSON scalar, dict, list or tuple: what it encodes to."""
    kind = type(value)
    if isinstance(value, redaction.Secret):
        return _at_least(value.reveal(), budget, depth + 1, path)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return _at_least(fields, budget, depth + 1, path)
    if isinstance(value, str):
        return len(value) + 2
    if _is_pydantic(kind):
        values = _model_values(value)
        if not values:
            return 0
        path.add(id(value))
        total = _at_least(values, budget, depth + 1, path)  # a list: no more than its JSON
        path.discard(id(value))
        return total
    return 0  # datetimes, UUIDs, Decimals: small, or counted exactly once encoded


def _model_values(model: Any) -> list[Any]:
    """The field values a pydantic model's `model_dump` writes as they are (none if unsure).

    Counted as a list, whatever the keys (aliases) become. Fields that are excluded or
    have a serializer of their own are left out, and a model with a model serializer
    counts nothing, so the count stays a lower bound of what the model encodes to.
    """
    cls = type(model)
    decorators = getattr(cls, "__pydantic_decorators__", None)
    if decorators is None or decorators.model_serializers:
        return []
    custom = {f for d in decorators.field_serializers.values() for f in d.info.fields}
    state = getattr(model, "__dict__", {})
    found = []
    for name, info in cls.model_fields.items():
        if name in custom or "*" in custom or info.exclude or getattr(info, "exclude_if", None):
            continue
        if any("Serializer" in type(m).__name__ for m in info.metadata) or name not in state:
            continue
        found.append(state[name])
    return found


def loads(text: str | None) -> Any:
    """Deserialize JSON text produced by `dumps`; tagged objects become their types again."""
    if text is None:
        return None
    try:
        if _TAG_TEXT not in text:
            return json.loads(text)
        return json.loads(text, object_hook=_decode_object)
    except errors.SerializationError:
        raise
    except RecursionError:
        raise errors.SerializationError("stored value is nested too deeply to read") from None
    except (ValueError, TypeError) as exc:
        raise errors.SerializationError(f"stored value is not valid JSON: {exc}") from None


def dumps_call(
    args: Sequence[Any],
    kwargs: dict[str, Any],
    *,
    owner: str,
    names: Sequence[str] = (),
    limit: int | None = None,
    checked: bool = False,
) -> str:
    """Serialize a call's arguments as `{"args": [...], "kwargs": {...}}`.

    On failure the error names the first argument that cannot be stored (by parameter name
    when `names` gives them).
    """
    if not kwargs:
        text = _scalar_call_text(args, limit, checked)
        if text is not None:
            return text
    labels = [names[i] if i < len(names) else f"#{i}" for i in range(len(args))]
    try:
        return dumps(
            {"args": list(args), "kwargs": kwargs},
            what=f"arguments of {owner}",
            limit=limit,
            checked=checked,
        )
    except errors.PayloadTooLarge as exc:
        # Name the largest argument by the same bounded count (never by encoding each one).
        sizes = [
            (size_at_least(a, exc.limit), label) for a, label in zip(args, labels, strict=True)
        ]
        sizes += [(size_at_least(a, exc.limit), key) for key, a in kwargs.items()]
        if sizes:
            largest = max(sizes, key=lambda pair: pair[0])[1]
            what = f"arguments of {owner} (the largest is {largest!r})"
            raise errors.PayloadTooLarge(what, exc.size, exc.limit, at_least=exc.at_least) from None
        raise
    except errors.SerializationError:
        for label, arg in zip(labels, args, strict=True):
            dumps(arg, what=f"argument {label!r} of {owner}", checked=checked)
        for key, arg in kwargs.items():
            dumps(arg, what=f"argument {key!r} of {owner}", checked=checked)
        raise


def _scalar_call_text(args: Sequence[Any], limit: int | None, checked: bool) -> str | None:
    """The text of a call of scalars only, as the encoder writes it; None: take the long way.

    The common call (a fan-out submits thousands) skips the encoder's setup. A text over
    `limit` is never encoded here (the long way refuses it by its length), and with
    `checked` a text holding what `check` refuses goes the long way, which names it.
    """
    for arg in args:
        if type(arg) is str and (
            (limit is not None and len(arg) > limit) or (checked and text_problem(arg))
        ):
            return None
    texts = [_scalar_text(arg) for arg in args]
    if None in texts:
        return None
    text = '{"args":[' + ",".join(cast(list[str], texts)) + '],"kwargs":{}}'
    return text if limit is None or len(text) <= limit else None


def loads_call(text: str | None) -> tuple[list[Any], dict[str, Any]]:
    """Inverse of `dumps_call`."""
    data = loads(text) or {}
    return list(data.get("args", [])), dict(data.get("kwargs", {}))
