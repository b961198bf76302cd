"""JSONata fields: `{% expression %}` strings, evaluated with `$states` and the variables.

Uses the `jsonata-python` package (the `asl` extra), imported on first use so that
`import podium` never needs it. Any evaluation error is `States.QueryEvaluationError`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from podium import errors as podium_errors
from podium.asl import errors


def is_expression(value: Any) -> bool:
    """Whether `value` is a `{% ... %}` string."""
    return (
        isinstance(value, str)
        and value.startswith("{%")
        and value.endswith("%}")
        and len(value) >= 4
    )


@functools.lru_cache(maxsize=4096)
def compile_expression(text: str) -> Any:
    """Parse the expression inside `{% %}` once; raises ValueError if it does not parse."""
    library = _library()
    try:
        return library.Jsonata(text[2:-2].strip())
    except Exception as exc:
        raise ValueError(f"JSONata expression {text!r} does not parse: {exc}") from None


def _library() -> Any:
    try:
        import jsonata  # type: ignore[import-untyped]
    except ImportError:
        raise podium_errors.ConfigurationError(
            "JSONata states need the jsonata-python package: pip install 'podium[asl]'"
        ) from None
    return jsonata


def evaluate(text: str, states: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
    """The value of one `{% %}` expression."""
    try:
        expression = compile_expression(text)
    except ValueError as exc:
        raise errors.failure(errors.QUERY, str(exc)) from None
    bindings = dict(variables)
    bindings["states"] = dict(states)
    try:
        value = expression.evaluate(None, bindings)
    except Exception as exc:
        raise errors.failure(
            errors.QUERY, f"An error occurred while evaluating the expression {text!r}: {exc}"
        ) from None
    return _plain(value)


def _plain(value: Any) -> Any:
    """JSON values only: floats that are whole become ints, library sequences become lists."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if callable(value):
        raise errors.failure(errors.QUERY, "a JSONata expression returned a function")
    return value


def fill(template: Any, states: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
    """Evaluate every `{% %}` string inside `template` (objects and arrays included)."""
    if isinstance(template, str):
        return evaluate(template, states, variables) if is_expression(template) else template
    if isinstance(template, dict):
        return {k: fill(v, states, variables) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, states, variables) for v in template]
    return template
