"""`test_state`: run one state on an input with a mocked Task result or error, like TestState.

Returns the output, the next state, the error and cause, and `inspectionData`: the data after
each processing step (afterInputPath, afterParameters, result, afterResultSelector,
afterResultPath; afterArguments for JSONata), and the variables after the state.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from podium.asl import dataflow, errors, interpreter, payload, states, validation
from podium.asl.effects import LocalEffects


class _MockEffects(LocalEffects):
    """Task calls answer with the mock; waits do not wait."""

    def __init__(self, mock: Mapping[str, Any] | None) -> None:
        super().__init__()
        self.mock = mock or {}

    def sleep(self, seconds: float) -> None:
        """No waiting in a state test."""

    def call(self, resource: str, value: Any, timeout: float | None) -> Any:
        """The mocked result, or the mocked error."""
        if "error" in self.mock:
            raise errors.failure(str(self.mock["error"]), str(self.mock.get("cause", "")))
        if "result" not in self.mock:
            raise errors.failure(
                errors.TASK_FAILED, f"no mock given for the Task resource {resource!r}"
            )
        return self.mock["result"]


def test_state(
    state: Mapping[str, Any] | str,
    input: Any = None,
    *,
    mock: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    variables: Mapping[str, Any] | None = None,
    name: str = "TestState",
    query_language: str = "JSONPath",
) -> dict[str, Any]:
    """Run `state` once; a failing state returns status FAILED with its error and cause."""
    state = dict(validation.load(state))
    _check(state, name)
    effects = _MockEffects(mock)
    machine = interpreter.Interpreter(effects)
    ctx = machine.context(input, str(uuid.uuid4()))
    for key, value in (context or {}).items():
        ctx[key] = {**ctx.get(key, {}), **value} if isinstance(value, dict) else value
    ctx["State"] = {"EnteredTime": _now(), "Name": name, "RetryCount": 0, **ctx.get("State", {})}
    frame = interpreter.Frame(
        machine,
        name,
        state,
        state.get("QueryLanguage", query_language),
        input,
        ctx,
        dict(variables or {}),
    )
    inspection = _inspect(frame)
    try:
        output, following = states.run(frame)
    except errors.ASLError as exc:
        return {
            "status": "FAILED",
            "error": exc.error,
            "cause": exc.cause,
            "inspectionData": inspection,
        }
    result: dict[str, Any] = {"status": "SUCCEEDED", "output": output, "nextState": following}
    if following is not None and state.get("Type") in ("Task", "Parallel", "Map"):
        caught = following != state.get("Next")
        if caught:
            result["status"] = "CAUGHT_ERROR"
    inspection["variables"] = frame.variables
    result["inspectionData"] = inspection
    return result


def _check(state: Any, name: str) -> None:
    target: dict[str, Any] = copy.deepcopy(dict(state))
    machine = {"StartAt": name, "States": {name: target}}
    if "Next" in target:
        target.pop("Next")
        target["End"] = True
    for rule in target.get("Choices", []) if isinstance(target.get("Choices"), list) else []:
        rule["Next"] = name
    if "Default" in target:
        target["Default"] = name
    for catcher in target.get("Catch", []) if isinstance(target.get("Catch"), list) else []:
        catcher["Next"] = name
    problems = validation.validate(machine)
    if problems:
        raise errors.DefinitionError(problems)


def _now() -> str:
    moment = dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _inspect(frame: interpreter.Frame) -> dict[str, Any]:
    """The intermediate data of the success path, computed without side effects."""
    state = frame.state
    out: dict[str, Any] = {"input": frame.raw}
    try:
        if frame.jsonata:
            if "Arguments" in state:
                out["afterArguments"] = dataflow.evaluate(frame, state["Arguments"])
            return out
        data = payload.select(state.get("InputPath", "$"), frame.raw, "InputPath", {})
        out["afterInputPath"] = data
        if "Parameters" in state and state.get("Type") != "Map":
            data = dataflow.build(frame, state["Parameters"], data)
        out["afterParameters"] = data
        mock = getattr(frame.effects, "mock", {})
        if state.get("Type") == "Task" and "result" in mock:
            result = mock["result"]
            out["result"] = result
            if "ResultSelector" in state:
                result = dataflow.build(frame, state["ResultSelector"], result)
            out["afterResultSelector"] = result
            out["afterResultPath"] = payload.place(state.get("ResultPath", "$"), frame.raw, result)
        elif state.get("Type") == "Pass":
            result = state.get("Result", data)
            out["result"] = result
            out["afterResultPath"] = payload.place(state.get("ResultPath", "$"), frame.raw, result)
    except errors.ASLError:
        pass
    return out


test_state.__test__ = False  # type: ignore[attr-defined]
"""Not a pytest test, though its name starts with `test_` and users import it into tests."""
