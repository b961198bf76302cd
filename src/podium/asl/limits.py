"""The numeric limits a state sets: a literal, a path into its input, or JSONata.

A Task's TimeoutSeconds and HeartbeatSeconds must be positive integers: a path to anything
else is States.Runtime; a JSONata expression that yields anything else is
States.QueryEvaluationError. The counts of a Map and its ItemReader and ItemBatcher
(MaxConcurrency, MaxItems, ToleratedFailureCount, ...) are read with `number` and checked
with `whole`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podium.asl import dataflow, errors, intrinsics, jsonata, payload
from podium.asl.frame import Frame


def task_seconds(frame: Frame, kind: str) -> float | None:
    """`{kind}Seconds` or `{kind}SecondsPath` of the Task (kind: Timeout or Heartbeat), or None."""
    state = frame.state
    field = f"{kind}SecondsPath"
    if field in state:
        value = payload.select(state[field], frame.raw, field, frame.variables)
    elif f"{kind}Seconds" in state:
        field = f"{kind}Seconds"
        value = state[field]
        if frame.jsonata and jsonata.is_expression(value):
            value = dataflow.evaluate(frame, value, field)
            if not _positive(value):
                raise jsonata.unexpected_type(state[field], field, "integer", value)
    else:
        return None
    if not _positive(value):
        raise errors.failure(
            errors.RUNTIME,
            f"The {field} of state '{frame.name}' must be a positive integer, "
            f"not {intrinsics.dumps(value)}",
        )
    return float(value)


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def number(frame: Frame, block: Mapping[str, Any], key: str, base: Any) -> Any:
    """The value of field `key` of `block` or of its `key + "Path"` (None when neither)."""
    if key in block:
        value = block[key]
        if frame.jsonata:
            value = dataflow.evaluate(frame, value)
        return value
    if f"{key}Path" in block:
        return payload.select(
            block[f"{key}Path"], base, f"{key}Path", frame.variables, frame.context
        )
    return None


def whole(frame: Frame, value: Any, key: str, default: int = 0) -> int:
    """`value` as a non-negative integer (None gives `default`), else a runtime error."""
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.failure(
            errors.QUERY if frame.jsonata else errors.RUNTIME,
            f"The {key} of Map state '{frame.name}' must be a non-negative integer, "
            f"not {intrinsics.dumps(value)}",
        )
    return value
