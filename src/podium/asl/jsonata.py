"""JSONata fields: `{% expression %}` strings, evaluated with `$states` and the variables.

Uses the `jsonata-python` package (the `asl` extra), imported on first use so that
`import podium` never needs it. A string is an expression only when it starts with `{%` and
ends with `%}`; anything else, at any depth of an object or array, is a literal.

Every failure is `States.QueryEvaluationError`, with the cause Step Functions writes, naming
the expression and the field (`Output`, `Output/a/b[0]`, `Assign/x`, `Choices[1]/Condition`):

- "The JSONata expression '<expr>' specified for the field '<field>' returned nothing
  (undefined)." when the value is undefined (JSON has no undefined; `null` is a value);
- "... threw an error during evaluation. <code>: <message>" when JSONata raises.

Numbers come back as JSON numbers: whole doubles become integers.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from podium import errors as podium_errors
from podium.asl import errors, jsonata_functions


def is_expression(value: Any) -> bool:
    """Whether `value` is a `{% ... %}` string."""
    return (
        isinstance(value, str)
        and value.startswith("{%")
        and value.endswith("%}")
        and len(value) >= 4
    )


def inner(text: str) -> str:
    """The expression inside `{% %}`, trimmed."""
    return text[2:-2].strip()


@functools.lru_cache(maxsize=4096)
def compile_expression(text: str) -> Any:
    """Parse the expression inside `{% %}` once; raises ValueError if it does not parse."""
    library = _library()
    try:
        expression = library.Jsonata(inner(text))
    except Exception as exc:
        raise ValueError(f"JSONata expression {text!r} does not parse: {exc}") from None
    expression.set_output_convert_nulls(False)
    return expression


def _library() -> Any:
    try:
        import jsonata  # type: ignore[import-untyped]
    except ImportError:
        raise podium_errors.ConfigurationError(
            "JSONata states need the jsonata-python package: pip install 'podium[asl]'"
        ) from None
    return jsonata


def _evaluate(text: str, field: str | None, bindings: Callable[[], dict[str, Any]]) -> Any:
    """The JSON value of one `{% %}` expression written in `field` (undefined is a failure).

    `bindings()` gives the variables it sees (see `_bindings`).
    """
    try:
        expression = compile_expression(text)
    except ValueError as exc:
        raise errors.failure(errors.QUERY, str(exc)) from None
    try:
        value = expression.evaluate(None, bindings())
        if value is None:
            raise errors.failure(
                errors.QUERY, f"{_subject(text, field)} returned nothing (undefined)."
            )
        return plain(value)
    except errors.ASLError:
        raise
    except Exception as exc:
        raise errors.failure(
            errors.QUERY,
            f"{_subject(text, field)} threw an error during evaluation. {describe(exc)}",
        ) from None


def _bindings(
    states: Mapping[str, Any], variables: Mapping[str, Any], effects: Any
) -> dict[str, Any]:
    """Step Functions functions, then the variables, then `$states` (which always wins)."""
    from jsonata import utils

    out = jsonata_functions.bindings(effects)
    for name, value in variables.items():
        out[name] = utils.Utils.NULL_VALUE if value is None else value
    out["states"] = dict(states)
    return out


def _subject(text: Any, field: str | None) -> str:
    shown = inner(text) if is_expression(text) else json.dumps(text)
    where = f" specified for the field '{field}'" if field else ""
    return f"The JSONata expression '{shown}'{where}"


def unexpected_type(text: Any, field: str, expected: str, value: Any) -> errors.ASLError:
    """The failure of a field whose expression returned a value of the wrong JSON type."""
    return errors.failure(
        errors.QUERY,
        f"{_subject(text, field)} returned an unexpected result type. "
        f"Expected '{expected}', but was '{type_name(value)}'",
    )


def type_name(value: Any) -> str:
    """The JSONata `$type` of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def describe(exc: BaseException) -> str:
    """The JSONata error as jsonata-js words it: `T0410: Argument 1 of function "x" ...`."""
    if isinstance(exc, jsonata_functions.FunctionError):
        return str(exc)
    code = getattr(exc, "error", None)
    message = str(exc)
    if isinstance(code, str) and code:
        message = re.sub(r"of Object (\S+)", r'of function "\1"', message)
        message = message.replace("Object signature", "function signature")
        return f"{code}: {message}"
    return message


def plain(value: Any) -> Any:
    """JSON values only: library nulls and sequences become None and lists, whole floats ints."""
    from jsonata import utils

    if value is None or value is utils.Utils.NULL_VALUE or isinstance(value, utils.Utils.NullValue):
        return None
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    raise errors.failure(errors.QUERY, "a JSONata expression returned an unsupported result type")


def _number(value: float) -> Any:
    """Whole doubles print as integers; the non-finite ones as the strings JavaScript uses."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def fill(
    template: Any,
    states: Mapping[str, Any],
    variables: Mapping[str, Any],
    field: str | None = None,
    effects: Any = None,
) -> Any:
    """Evaluate every `{% %}` string inside `template` (objects and arrays included).

    `field` names the template's field for error causes; nested values are named below it
    (`Output/a/b[0]`).
    """
    return _fill(template, field, functools.partial(_bindings, states, variables, effects))


def _fill(template: Any, field: str | None, bindings: Callable[[], dict[str, Any]]) -> Any:
    if isinstance(template, str):
        return _evaluate(template, field, bindings) if is_expression(template) else template
    if isinstance(template, dict):
        return {k: _fill(v, _key(field, k), bindings) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, f"{field or ''}[{i}]", bindings) for i, v in enumerate(template)]
    return template


def _key(field: str | None, key: str) -> str:
    return f"{field}/{key}" if field else key
