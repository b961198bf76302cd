"""The JSON-family codec: JSON values plus tagged dataclasses, datetimes, UUIDs, Decimals, models.

Values are stored as JSON text. Non-JSON types become `{"__podium__": tag, ...}` objects that
decode back to the same type. Classes (dataclasses, pydantic models) are only rebuilt when
already imported by the program: stored data never makes podium import or call arbitrary code.
Nothing is ever pickled.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import sys
import uuid
from collections.abc import Sequence
from typing import Any

from podium import errors

TAG = "__podium__"
_TAG_TEXT = f'"{TAG}"'


class _Unserializable(TypeError):
    def __init__(self, value: object) -> None:
        super().__init__(type(value).__qualname__)
        self.value = value


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _encode(value: Any) -> Any:
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
    if isinstance(value, decimal.Decimal):
        return {TAG: "decimal", "v": str(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return {TAG: "dataclass", "cls": _class_path(type(value)), "v": fields}
    dump = getattr(value, "model_dump", None)
    if callable(dump) and _is_pydantic(type(value)):
        return {TAG: "pydantic", "cls": _class_path(type(value)), "v": dump(mode="json")}
    raise _Unserializable(value)


def _is_pydantic(cls: type) -> bool:
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and issubclass(cls, pydantic.BaseModel)


def _resolve_class(path: str) -> type | None:
    module_name, _, qualname = path.partition(":")
    module = sys.modules.get(module_name)
    target: Any = module
    for part in qualname.split("."):
        target = getattr(target, part, None)
    return target if isinstance(target, type) else None


def _decode_object(obj: dict[str, Any]) -> Any:
    tag = obj.get(TAG)
    if tag is None or not isinstance(tag, str):
        return obj
    value = obj.get("v")
    try:
        return _DECODERS[tag](obj, value)
    except (KeyError, ValueError, TypeError, decimal.InvalidOperation):
        return obj


def _decode_class(obj: dict[str, Any], value: Any) -> Any:
    cls = _resolve_class(str(obj.get("cls", "")))
    if cls is None or not isinstance(value, dict):
        return value
    if dataclasses.is_dataclass(cls):
        return cls(**value)
    if _is_pydantic(cls):
        return cls.model_validate(value)  # type: ignore[attr-defined]
    return value


_DECODERS: dict[str, Any] = {
    "datetime": lambda _o, v: dt.datetime.fromisoformat(v),
    "date": lambda _o, v: dt.date.fromisoformat(v),
    "time": lambda _o, v: dt.time.fromisoformat(v),
    "timedelta": lambda _o, v: dt.timedelta(seconds=v),
    "uuid": lambda _o, v: uuid.UUID(v),
    "decimal": lambda _o, v: decimal.Decimal(v),
    "dataclass": _decode_class,
    "pydantic": _decode_class,
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


def dumps(value: Any, *, what: str = "value", limit: int | None = None) -> str:
    """Serialize `value` to JSON text; SerializationError names `what` and the offending type."""
    try:
        text = _scalar_text(value)
        if text is None:
            text = _ENCODER.encode(value)
    except _Unserializable as exc:
        raise errors.SerializationError(
            f"{what} holds a {type(exc.value).__qualname__}, which podium cannot store; "
            "use JSON values, dataclasses, datetime/date/UUID/Decimal or pydantic models"
        ) from None
    except (ValueError, TypeError) as exc:  # NaN, circular, non-string keys such as tuples
        raise errors.SerializationError(f"{what} cannot be stored as JSON: {exc}") from None
    except RecursionError:
        raise errors.SerializationError(f"{what} is nested too deeply (or is circular)") from None
    if limit is not None and len(text) > limit:
        raise errors.SerializationError(
            f"{what} is {len(text):,} bytes serialized, over the payload limit of {limit:,}; "
            "store large data elsewhere and pass a reference, or raise max_payload_bytes"
        )
    return text


def loads(text: str | None) -> Any:
    """Deserialize JSON text produced by `dumps`; tagged objects become their types again."""
    if text is None:
        return None
    if _TAG_TEXT not in text:
        return json.loads(text)
    return json.loads(text, object_hook=_decode_object)


def dumps_call(
    args: Sequence[Any],
    kwargs: dict[str, Any],
    *,
    owner: str,
    names: Sequence[str] = (),
    limit: int | None = None,
) -> str:
    """Serialize a call's arguments as `{"args": [...], "kwargs": {...}}`.

    On failure the error names the first argument that cannot be stored (by parameter name
    when `names` gives them).
    """
    try:
        return dumps(
            {"args": list(args), "kwargs": kwargs}, what=f"arguments of {owner}", limit=limit
        )
    except errors.SerializationError:
        for index, arg in enumerate(args):
            label = names[index] if index < len(names) else f"#{index}"
            dumps(arg, what=f"argument {label!r} of {owner}")
        for key, arg in kwargs.items():
            dumps(arg, what=f"argument {key!r} of {owner}")
        raise


def loads_call(text: str | None) -> tuple[list[Any], dict[str, Any]]:
    """Inverse of `dumps_call`."""
    data = loads(text) or {}
    return list(data.get("args", [])), dict(data.get("kwargs", {}))
