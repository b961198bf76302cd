"""Validation at the boundary: workflow inputs against their type hints, step results too.

`app.start`/`app.run` (and so the HTTP API and `podium start`) check each argument of a
workflow against its parameter's annotation with a pydantic `TypeAdapter` before anything is
written; a mismatch raises `podium.ValidationError` naming each field, what is wrong and the
fix (HTTP 422). The validated values are what is stored, so `def checkout(order: Order)`
started with a JSON object over HTTP receives an `Order`. A step declared with
`@app.step(validate=True)` has each result checked against its return annotation; a
mismatch fails the step (not retried) with a `ValidationError`.

Parameters without an annotation, or annotated `Any`, are not checked. pydantic is imported
only when the first workflow with annotations is started; without pydantic installed
nothing is checked (`pip install pydantic`).
"""

from __future__ import annotations

import inspect
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

    def _build(self) -> dict[str, tuple[Any, inspect._ParameterKind]]:
        with _lock:
            if self._params is not None:
                return self._params
            params: dict[str, tuple[Any, inspect._ParameterKind]] = {}
            hints = _hints(self._fn)
            pydantic = _pydantic() if any(h is not Any for h in hints.values()) else None
            if pydantic is not None:
                for name, param in self._signature.parameters.items():
                    hint = hints.get(name, Any)
                    if hint is not Any:
                        params[name] = (pydantic.TypeAdapter(hint), param.kind)
                ret = hints.get("return", Any)
                self._result = None if ret is Any else pydantic.TypeAdapter(ret)
            else:
                self._result = None
            self._params = params
            return params

    def call(
        self, args: Sequence[Any], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """`args`/`kwargs` validated (and converted) against the annotations.

        Raises ValidationError naming every field that does not fit. Call after the
        arguments were bound to the signature.
        """
        params = self._build()
        if not params:
            return tuple(args), kwargs
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
        pydantic = _pydantic()
        try:
            return adapter.validate_python(value)
        except pydantic.ValidationError as exc:
            problems.extend(_problems(name, exc))
            return value

    def result(self, value: Any) -> Any:
        """`value` checked against the return annotation; ValidationError if it does not fit."""
        self._build()
        adapter = self._result
        if adapter is None or adapter is _NONE:
            return value
        pydantic = _pydantic()
        try:
            return adapter.validate_python(value)
        except pydantic.ValidationError as exc:
            raise errors.ValidationError(f"result of {self._owner}", _problems("", exc)) from None


def _problems(name: str, exc: Any) -> list[tuple[str, str]]:
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in (name, *err.get("loc", ())) if part != "")
        out.append((loc or "value", str(err.get("msg", "invalid"))))
    return out
