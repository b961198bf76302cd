"""Validation at the boundary: workflow inputs against their type hints, step results too.

`app.start`/`app.run` (and so the HTTP API and `podium start`) check each argument of a
workflow against its parameter's annotation with a pydantic `TypeAdapter` before anything is
written; a mismatch raises `podium.ValidationError` naming each field, what is wrong and the
fix (HTTP 422). The validated values are what is stored, so `def checkout(order: Order)`
started with a JSON object over HTTP receives an `Order`. A step declared with
`@app.step(validate=True)` has each result checked against its return annotation; a
mismatch fails the step (not retried) with a `ValidationError`.

Parameters without an annotation, or annotated `Any`, are not checked. Values of plain
types that fit as they are (an `int` for `int`, a `dict` for `dict[str, Any]`) pass without
pydantic, so pydantic is imported only when a value needs it; without pydantic installed,
values that need it pass unchecked (`pip install pydantic`).
"""

from __future__ import annotations

import inspect
import sys
import threading
import typing
from collections.abc import Callable, Sequence
from typing import Any

from podium import errors

_NONE = object()
_lock = threading.Lock()


def _pydantic() -> Any:
    try:
        import pydantic
    except ImportError:  # pragma: no cover - pydantic is installed with the dev and server extras
        return None
    return pydantic


_PLAIN: dict[Any, tuple[type, ...]] = {
    int: (int,),
    str: (str,),
    float: (float,),
    bool: (bool,),
    dict: (dict,),
    list: (list,),
    type(None): (type(None),),
    None: (type(None),),
}
"""Annotations a value of exactly these types fits as it is (pydantic would return it as is)."""


def _plain_types(hint: Any) -> tuple[type, ...] | None:
    """The exact types that fit `hint` without pydantic, or None when pydantic must decide."""
    found = _PLAIN.get(hint) if _hashable(hint) else None
    if found is not None:
        return found
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (dict, list) and all(a in (Any, object) for a in args):
        return (origin,)
    if origin is dict and args[0] is str and args[1] in (Any, object):
        return (_StrKeys,)
    return None


class _StrKeys(dict):  # type: ignore[type-arg]
    """Marks `dict[str, Any]`: a dict fits as it is when all its keys are text."""


def _str_keyed(types: tuple[type, ...], value: Any) -> bool:
    """Whether `value` fits `dict[str, Any]` as it is (`types` is that hint's marker)."""
    return types[0] is _StrKeys and type(value) is dict and all(type(k) is str for k in value)


def _hashable(hint: Any) -> bool:
    try:
        hash(hint)
    except TypeError:
        return False
    return True


class _Adapter:
    """A pydantic TypeAdapter with a fast path: values of the plain types pass untouched.

    `int` given an int (not a bool), `str` given a str, `dict[str, Any]` given a dict: the
    value is what pydantic would return, so the adapter (and pydantic's import) is skipped.
    """

    def __init__(self, hint: Any) -> None:
        self._hint = hint
        self.plain = _plain_types(hint)
        self._adapter: Any = None

    def validate_python(self, value: Any) -> Any:
        plain = self.plain
        if plain is not None and (type(value) in plain or _str_keyed(plain, value)):
            return value
        if self._adapter is None:
            pydantic = _pydantic()
            if pydantic is None:  # pragma: no cover - pydantic is installed with the extras
                return value
            self._adapter = pydantic.TypeAdapter(self._hint)
        return self._adapter.validate_python(value)


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception:  # unresolvable forward references: nothing to check against
        return {}


class Checker:
    """The adapters of one function's annotated parameters and return value, built lazily."""

    def __init__(self, fn: Callable[..., Any], owner: str) -> None:
        self._fn = fn
        self._owner = owner
        self._signature = inspect.signature(fn)
        self._params: dict[str, tuple[Any, inspect._ParameterKind]] | None = None
        self._result: Any = _NONE
        self._fast: tuple[tuple[type, ...] | None, ...] | None = None
        """Per positional parameter, the plain types that pass as they are (see `call`)."""

    def _build(self) -> dict[str, tuple[Any, inspect._ParameterKind]]:
        if self._params is not None:
            return self._params
        with _lock:
            if self._params is not None:
                return self._params
            params: dict[str, tuple[Any, inspect._ParameterKind]] = {}
            hints = _hints(self._fn)
            for name, param in self._signature.parameters.items():
                hint = hints.get(name, Any)
                if hint is not Any:
                    params[name] = (_Adapter(hint), param.kind)
            ret = hints.get("return", Any)
            self._result = None if ret is Any else _Adapter(ret)
            self._fast = _fast_path(self._signature, params)
            self._params = params
            return params

    def call(
        self, args: Sequence[Any], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """`args`/`kwargs` validated (and converted) against the annotations.

        Raises ValidationError naming every field that does not fit. Call after the
        arguments were bound to the signature.
        """
        fast = self._fast
        if fast is not None and not kwargs and len(args) == len(fast):
            for value, types in zip(args, fast):  # noqa: B905 - lengths checked above
                if types is not None and type(value) not in types and not _str_keyed(types, value):
                    break
            else:  # every argument is already of its plain type: nothing to convert
                return (args if type(args) is tuple else tuple(args)), kwargs
        params = self._build()
        if not params:
            return tuple(args), kwargs
        if self._fast is not None and fast is None:
            return self.call(args, kwargs)  # built just now: try the fast path
        bound = self._signature.bind(*args, **kwargs)
        problems: list[tuple[str, str]] = []
        for name, value in list(bound.arguments.items()):
            found = params.get(name)
            if found is None:
                continue
            adapter, kind = found
            if kind is inspect.Parameter.VAR_POSITIONAL:
                bound.arguments[name] = tuple(
                    self._one(adapter, f"{name}[{i}]", v, problems) for i, v in enumerate(value)
                )
            elif kind is inspect.Parameter.VAR_KEYWORD:
                bound.arguments[name] = {
                    k: self._one(adapter, k, v, problems) for k, v in value.items()
                }
            else:
                bound.arguments[name] = self._one(adapter, name, value, problems)
        if problems:
            raise errors.ValidationError(f"input of {self._owner}", problems)
        return tuple(bound.args), dict(bound.kwargs)

    def _one(self, adapter: Any, name: str, value: Any, problems: list[tuple[str, str]]) -> Any:
        try:
            return adapter.validate_python(value)
        except Exception as exc:
            if not _is_validation_error(exc):
                raise
            problems.extend(_problems(name, exc))
            return value

    def result(self, value: Any) -> Any:
        """`value` checked against the return annotation; ValidationError if it does not fit."""
        self._build()
        adapter = self._result
        if adapter is None or adapter is _NONE:
            return value
        try:
            return adapter.validate_python(value)
        except Exception as exc:
            if not _is_validation_error(exc):
                raise
            raise errors.ValidationError(f"result of {self._owner}", _problems("", exc)) from None


def _fast_path(
    signature: inspect.Signature, params: dict[str, tuple[Any, inspect._ParameterKind]]
) -> tuple[tuple[type, ...] | None, ...] | None:
    """The plain types of each positional parameter, when every one is plain or unchecked."""
    found: list[tuple[type, ...] | None] = []
    for name, param in signature.parameters.items():
        if param.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
            return None
        checked = params.get(name)
        if checked is None:
            found.append(None)
            continue
        plain = checked[0].plain
        if plain is None:
            return None
        found.append(plain)
    return tuple(found)


def _is_validation_error(exc: Exception) -> bool:
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(exc, pydantic.ValidationError)


def _problems(name: str, exc: Any) -> list[tuple[str, str]]:
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in (name, *err.get("loc", ())) if part != "")
        out.append((loc or "value", str(err.get("msg", "invalid"))))
    return out
