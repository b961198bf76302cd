"""What each state type does; `run(frame)` returns (output, next state or None at an end)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from podium.asl import (
    choice,
    dataflow,
    errors,
    integrations,
    intrinsics,
    jsonata,
    limits,
    payload,
    recovery,
)
from podium.asl.interpreter import Frame

Outcome = tuple[Any, str | None]


def run(frame: Frame) -> Outcome:
    """Run one state."""
    return HANDLERS[frame.state["Type"]](frame)


def _next(frame: Frame) -> str | None:
    return None if frame.state.get("End") else frame.state.get("Next")


def pass_state(frame: Frame) -> Outcome:
    """Pass: its Result (or its input) becomes its output."""
    if frame.jsonata:
        return dataflow.passthrough(frame, frame.raw), _next(frame)
    data = dataflow.effective_input(frame)
    result = frame.state["Result"] if "Result" in frame.state else data
    return dataflow.finish(frame, result), _next(frame)


def succeed(frame: Frame) -> Outcome:
    """Succeed: end this machine (or branch) successfully."""
    if frame.jsonata:
        return dataflow.passthrough(frame, frame.raw), None
    data = dataflow.select(frame, frame.state.get("InputPath", "$"), frame.raw, "InputPath")
    return dataflow.passthrough(frame, data), None


def fail(frame: Frame) -> Outcome:
    """Fail: end with Error and Cause (or their paths / expressions)."""
    state = frame.state
    if frame.jsonata:
        error = dataflow.evaluate(frame, state.get("Error"), "Error")
        cause = dataflow.evaluate(frame, state.get("Cause"), "Cause")
    else:
        error = _fail_field(frame, "ErrorPath") if "ErrorPath" in state else state.get("Error")
        cause = _fail_field(frame, "CausePath") if "CausePath" in state else state.get("Cause")
    raise errors.failure(_text(error), _text(cause))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else intrinsics.dumps(value)


def _fail_field(frame: Frame, key: str) -> Any:
    text = frame.state[key]
    return payload.expression(text, key, frame.raw, frame.context, frame.variables, frame.effects)


def choice_state(frame: Frame) -> Outcome:
    """Choice: go to the Next of the first rule that holds, else Default."""
    state = frame.state
    data = frame.raw if frame.jsonata else dataflow.effective_input(frame, "-")
    for rule in state.get("Choices", []):
        if _holds(frame, rule, data):
            block = rule if ("Assign" in rule or "Output" in rule) else state
            return dataflow.passthrough(frame, data, block), rule["Next"]
    if "Default" in state:
        return dataflow.passthrough(frame, data), state["Default"]
    raise errors.failure(
        errors.RUNTIME, f"No Choice Rules matched and no Default was specified in '{frame.name}'"
    )


def _holds(frame: Frame, rule: Any, data: Any) -> bool:
    if frame.jsonata:
        field = dataflow.where(frame, rule) + "Condition"
        value = dataflow.evaluate(frame, rule.get("Condition"), field)
        if not isinstance(value, bool):
            raise jsonata.unexpected_type(rule.get("Condition"), field, "boolean", value)
        return value
    return choice.evaluate(rule, data, frame.context, frame.variables)


def wait(frame: Frame) -> Outcome:
    """Wait: pause for Seconds or until Timestamp (durable inside a workflow)."""
    state = frame.state
    data = frame.raw if frame.jsonata else dataflow.effective_input(frame, "-")
    seconds = _wait_seconds(frame, state, data)
    if seconds > 0:
        frame.effects.sleep(seconds)
    return dataflow.passthrough(frame, data), _next(frame)


def _wait_seconds(frame: Frame, state: Any, data: Any) -> float:
    if "Seconds" in state and frame.jsonata:
        value = dataflow.evaluate(frame, state["Seconds"], "Seconds")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise jsonata.unexpected_type(state["Seconds"], "Seconds", "integer", value)
        return float(value)
    if "Seconds" in state:
        return float(state["Seconds"])
    if "SecondsPath" in state:
        return float(_seconds_at(frame, state["SecondsPath"], data))
    if "Timestamp" in state and frame.jsonata:
        value = dataflow.evaluate(frame, state["Timestamp"], "Timestamp")
        moment = choice.parse_timestamp(value) if isinstance(value, str) else None
        if moment is None:
            raise jsonata.unexpected_type(state["Timestamp"], "Timestamp", "timestamp", value)
    elif "Timestamp" in state:
        moment = choice.parse_timestamp(state["Timestamp"])
    else:
        moment = _timestamp_at(frame, state["TimestampPath"], data)
    assert moment is not None  # a literal Timestamp is checked by validation
    return (moment - frame.effects.now()).total_seconds()


def _seconds_at(frame: Frame, path: str, data: Any) -> int:
    """SecondsPath's value, which must be a whole non-negative number (a Java long)."""
    value = _path_value(frame, "SecondsPath", data)
    shown = f"{path} == {_bare(value)}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.failure(
            errors.RUNTIME, f"The SecondsPath parameter cannot be parsed as a long value: {shown}"
        )
    if value < 0:
        raise errors.failure(
            errors.RUNTIME, f"The SecondsPath parameter references a negative value: {shown}"
        )
    return value


def _timestamp_at(frame: Frame, path: str, data: Any) -> Any:
    """TimestampPath's value as a moment; anything but an RFC 3339 string is a runtime error."""
    value = _path_value(frame, "TimestampPath", data)
    moment = choice.parse_timestamp(value) if isinstance(value, str) else None
    if moment is None:
        raise errors.failure(
            errors.RUNTIME,
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
            f"date-time format string: {path} == {_bare(value)}",
        )
    return moment


def _bare(value: Any) -> str:
    """A value as a Wait cause quotes it: a string as it is, anything else as JSON."""
    return value if isinstance(value, str) else intrinsics.dumps(value)


def _path_value(frame: Frame, key: str, data: Any) -> Any:
    return payload.select(frame.state[key], data, key, frame.variables, frame.context)


def task(frame: Frame) -> Outcome:
    """Task: call the mapped resource, with Retry and Catch."""
    return recovery.guarded(frame, task_once)


def task_once(frame: Frame) -> Any:
    """One attempt of a Task: input processing, the call (under its timeout), the result."""
    integrations.enter(frame)
    data = dataflow.effective_input(frame)
    timeout = limits.task_seconds(frame, "Timeout")
    result = integrations.call(frame, data, timeout)
    return dataflow.finish(frame, result)


def parallel(frame: Frame) -> Outcome:
    """Parallel: run every branch on the same input; the result is the list of outputs."""
    from podium.asl import branches

    return recovery.guarded(frame, branches.parallel_once)


def map_state(frame: Frame) -> Outcome:
    """Map: run the item processor for every item; the result is the list of outputs."""
    from podium.asl import branches

    return recovery.guarded(frame, branches.map_once)


HANDLERS: dict[str, Callable[[Frame], Outcome]] = {
    "Pass": pass_state,
    "Succeed": succeed,
    "Fail": fail,
    "Choice": choice_state,
    "Wait": wait,
    "Task": task,
    "Parallel": parallel,
    "Map": map_state,
}
