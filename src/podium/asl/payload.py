"""Payload templates of JSONPath states: Parameters, ResultSelector, ItemSelector, Assign."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from podium.asl import errors, intrinsics, jsonpath, refs


def build(
    template: Any, data: Any, context: Any, variables: Mapping[str, Any], effects: Any
) -> Any:
    """Fill `template`: keys ending in `.$` take the value of their path or intrinsic."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str):
                out[key[:-2]] = expression(value, key, data, context, variables, effects)
            else:
                out[key] = build(value, data, context, variables, effects)
        return out
    if isinstance(template, list):
        return [build(item, data, context, variables, effects) for item in template]
    return template


def expression(
    text: str, field: str, data: Any, context: Any, variables: Mapping[str, Any], effects: Any
) -> Any:
    """The value of one `.$` field: an intrinsic call or a path."""
    if intrinsics.is_call(text):
        return intrinsics.evaluate(text, data, context, variables, effects)
    try:
        return refs.resolve(text, data, context, variables)
    except (jsonpath.PathMissing, jsonpath.PathError):
        where = "context object" if text.startswith("$$") else "input"
        shown = context if text.startswith("$$") else data
        raise errors.failure(
            errors.RUNTIME,
            f"The JSONPath '{text}' specified for the field '{field}' could not be found in "
            f"the {where} '{intrinsics.dumps(shown)}'",
        ) from None
    except KeyError as exc:
        raise errors.failure(
            errors.RUNTIME,
            f"The variable {json.dumps(exc.args[0])} referenced by the field '{field}' "
            "is not defined",
        ) from None


def select(
    path: str | None,
    data: Any,
    what: str,
    variables: Mapping[str, Any],
    context: Any = None,
) -> Any:
    """Apply InputPath/OutputPath/ItemsPath: None gives {}, a missing path fails the run.

    The path may name the context object (`$$.Execution.Input`) or a variable (`$name`).
    Step Functions fails such a run with States.Runtime, quoting the path in bracket form.
    """
    if path is None:
        return {}
    if path == "$":
        return data
    try:
        return refs.resolve(path, data, {} if context is None else context, variables)
    except (jsonpath.PathMissing, jsonpath.PathError, KeyError):
        raise errors.failure(errors.RUNTIME, _no_results(path, data)) from None


def _no_results(path: str, data: Any) -> str:
    """The cause Step Functions gives: Jayway's message after the path as written."""
    reason = f"No results for path: {path}"
    if path.startswith(("$.", "$[")):
        try:
            reason = jsonpath.miss_reason(path, data)
        except jsonpath.PathError:
            pass
    return f"Invalid path '{path}' : {reason}"


def place(path: str | None, state_input: Any, result: Any) -> Any:
    """Apply ResultPath: put `result` into `state_input` (None keeps the input as it was)."""
    if path is None:
        return state_input
    if path == "$":
        return result
    try:
        return jsonpath.assign(path, state_input, result)
    except (LookupError, jsonpath.PathError):
        raise errors.failure(
            errors.RESULT_PATH,
            f"Unable to apply ReferencePath {path} to input {intrinsics.dumps(state_input)}",
        ) from None
