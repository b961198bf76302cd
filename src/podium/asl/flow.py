"""The states that decide where and when a machine goes on: Choice and Wait."""

from __future__ import annotations

from typing import Any

from podium.asl import choice, dataflow, errors, intrinsics, jsonata, payload, runners
from podium.asl.frame import Frame, Outcome


@runners.runs("Choice")
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


@runners.runs("Wait")
def wait(frame: Frame) -> Outcome:
    """Wait: pause for Seconds or until Timestamp (durable inside a workflow)."""
    state = frame.state
    data = frame.raw if frame.jsonata else dataflow.effective_input(frame, "-")
    seconds = _wait_seconds(frame, state, data)
    if seconds > 0:
        frame.effects.sleep(seconds)
    return dataflow.passthrough(frame, data), frame.following


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
