"""The states without work of their own: Pass, Succeed and Fail."""

from __future__ import annotations

from typing import Any

from podium.asl import dataflow, errors, intrinsics, payload, runners
from podium.asl.frame import Frame, Outcome


@runners.runs("Pass")
def pass_state(frame: Frame) -> Outcome:
    """Pass: its Result (or its input) becomes its output."""
    if frame.jsonata:
        return dataflow.passthrough(frame, frame.raw), frame.following
    data = dataflow.effective_input(frame)
    result = frame.state["Result"] if "Result" in frame.state else data
    return dataflow.finish(frame, result), frame.following


@runners.runs("Succeed")
def succeed(frame: Frame) -> Outcome:
    """Succeed: end this machine (or branch) successfully."""
    if frame.jsonata:
        return dataflow.passthrough(frame, frame.raw), None
    data = dataflow.select(frame, frame.state.get("InputPath", "$"), frame.raw, "InputPath")
    return dataflow.passthrough(frame, data), None


@runners.runs("Fail")
def fail(frame: Frame) -> Outcome:
    """Fail: end with Error and Cause (or their paths / expressions)."""
    state = frame.state
    if frame.jsonata:
        error = dataflow.evaluate(frame, state.get("Error"), "Error")
        cause = dataflow.evaluate(frame, state.get("Cause"), "Cause")
    else:
        error = _fail_field(frame, "ErrorPath") if "ErrorPath" in state else state.get("Error")
        cause = _fail_field(frame, "CausePath") if "CausePath" in state else state.get("Cause")
    raise errors.failure(None if error is None else _text(error), _text(cause))


def _text(value: Any) -> str:
    """Error or Cause as text ("" for none; an unset Error is None, as AWS leaves it)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else intrinsics.dumps(value)


def _fail_field(frame: Frame, key: str) -> Any:
    text = frame.state[key]
    return payload.expression(text, key, frame.raw, frame.context, frame.variables, frame.effects)
