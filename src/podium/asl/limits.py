"""A Task's TimeoutSeconds and HeartbeatSeconds: a literal, a path into its input, or JSONata.

Both must be positive integers. A path to anything else is States.Runtime; a JSONata
expression that yields anything else is States.QueryEvaluationError.
"""

from __future__ import annotations

from typing import Any

from podium.asl import dataflow, errors, intrinsics, jsonata, payload
from podium.asl.interpreter import Frame


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
