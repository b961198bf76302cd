"""`test_state`: run one state on an input, like the Step Functions TestState API.

The state runs once. A Task's result (or a Map's or Parallel's whole result) may be mocked
with `mock={"result": value}`, or its failure with `mock={"errorOutput": {"error": ...,
"cause": ...}}`. As TestState does, a failure is not retried: when a Retrier covers it the
status is RETRIABLE with the backoff the next retry would wait (`state_configuration=
{"retrierRetryCount": n}` says how many retries happened before); when the Retrier is used up
or none covers it, a matching Catcher gives CAUGHT_ERROR with the Catcher's Next and the
error output; otherwise the status is FAILED. `inspectionData` (inspection levels DEBUG and
TRACE) shows the data after each processing step and `errorDetails` (retryIndex,
retryBackoffIntervalSeconds, catchIndex).
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from podium import errors as podium_errors
from podium.asl import (
    branches,
    dataflow,
    effects,
    errors,
    interpreter,
    limits,
    mapstate,
    payload,
    recovery,
    runners,
    task,
    validation,
)
from podium.asl.frame import Frame

_GUARDED = ("Task", "Parallel", "Map")
_LEVELS = ("INFO", "DEBUG", "TRACE")


class _MockEffects(effects.LocalEffects):
    """Task calls answer with the mock (or the mapped function); waits do not wait."""

    def __init__(self, mock: Mapping[str, Any] | None, resources: Mapping[str, Any]) -> None:
        super().__init__(resources)
        self.mock = dict(mock or {})
        self.error = _mocked_error(self.mock)
        self.calls: list[tuple[Any, Any]] = []

    def sleep(self, seconds: float) -> None:
        """No waiting in a state test."""

    def call(self, resource: str, value: Any, timeout: float | None) -> Any:
        """The mocked result or error; without a mock, the mapped function."""
        self.calls.append((value, None))
        if "result" in self.mock:
            result = self.mock["result"]
        elif self.error is not None:
            raise errors.failure(*self.error)
        elif self.resources:  # the mapped function, or integration (see asl.integrations)
            result = super().call(resource, value, timeout)
        else:
            raise errors.failure(errors.TASK_FAILED, f"no mock given for the resource {resource!r}")
        self.calls[-1] = (value, result)
        return result

    def wait_for_callback(self, token: str, timeout: float | None, heartbeat: float | None) -> Any:
        """A `.waitForTaskToken` Task's mocked result stands for the callback's output."""
        if "result" in self.mock:
            return self.mock["result"]
        return super().wait_for_callback(token, timeout, heartbeat)


def test_state(
    state: Mapping[str, Any] | str,
    input: Any = None,
    *,
    mock: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    variables: Mapping[str, Any] | str | None = None,
    name: str = "TestState",
    query_language: str = "JSONPath",
    state_name: str | None = None,
    state_configuration: Mapping[str, Any] | None = None,
    inspection_level: str = "DEBUG",
    resources: Mapping[str, Callable[[Any], Any]] | None = None,
    reveal_secrets: bool = False,
) -> dict[str, Any]:
    """Run `state` (or the state `state_name` of a whole definition) once on `input`.

    Returns `{"status", "output", "nextState", "error", "cause", "inspectionData"}` with the
    keys that apply. An invalid state or mock raises `DefinitionError`.

    `state_name` may name a state nested in a Map's item processor (or a Parallel branch).
    `variables` is a mapping or, as the TestState API takes it, JSON text of an object.
    `reveal_secrets` is accepted as TestState takes it; podium has no connection secrets to
    reveal, and a mock is validated the same whether it is set or not.
    """
    state, name, query_language = _pick(validation.load(state), state_name, name, query_language)
    _check(state, name, query_language)
    if not isinstance(reveal_secrets, bool):
        raise _invalid("revealSecrets must be true or false", "/revealSecrets")
    variables = _variables(variables)
    _check_mock(state, mock)
    _check_context(state, context)
    if inspection_level not in _LEVELS:
        raise _invalid(f"inspectionLevel must be one of {list(_LEVELS)}", "/inspectionLevel")
    config = dict(state_configuration or {})
    fx = _MockEffects(mock, resources or {})
    frame = _frame(fx, state, name, query_language, input, context, variables, config)
    inspection: dict[str, Any] = {"input": input}
    _inspect_input(frame, inspection)
    response = _run(frame, mock, config, inspection)
    _inspect_after(frame, fx, response["status"], inspection)
    if inspection_level != "INFO":
        response["inspectionData"] = inspection
    return response


def _pick(
    definition: Any, state_name: str | None, name: str, language: str
) -> tuple[dict[str, Any], str, str]:
    """The state to test: the given one, or `state_name` (default StartAt) of a machine.

    `state_name` may be a state of a nested machine (a Map's ItemProcessor or Iterator, a
    Parallel's branch); it then defaults to the nested machine's (or the top) QueryLanguage.
    """
    if not (isinstance(definition, Mapping) and "States" in definition):
        return dict(definition), name, language
    chosen = state_name or definition["StartAt"]
    language = definition.get("QueryLanguage", language)
    found = _find_state(definition, chosen, language)
    if found is None:
        raise _invalid(f"The state {chosen!r} is not in the definition", "/stateName")
    return dict(found[0]), chosen, found[1]


def _find_state(
    machine: Mapping[str, Any], name: str, language: str
) -> tuple[Mapping[str, Any], str] | None:
    """State `name` of `machine` or of a machine nested in it, with its default language."""
    states = machine.get("States")
    if not isinstance(states, Mapping):
        return None
    language = machine.get("QueryLanguage", language)
    if isinstance(states.get(name), Mapping):
        return states[name], language
    for state in states.values():
        if not isinstance(state, Mapping):
            continue
        nested = [state.get("ItemProcessor"), state.get("Iterator"), *state.get("Branches", [])]
        for sub in nested:
            if isinstance(sub, Mapping):
                found = _find_state(sub, name, language)
                if found is not None:
                    return found
    return None


def _variables(given: Mapping[str, Any] | str | None) -> Mapping[str, Any] | None:
    """The variables to test with: a mapping, or JSON text of an object as TestState takes."""
    if not isinstance(given, str):
        return given
    try:
        parsed = json.loads(given)
    except json.JSONDecodeError as exc:
        raise _invalid(f"variables must be JSON text of an object: {exc}", "/variables") from None
    if not isinstance(parsed, dict):
        raise _invalid(
            f"variables must be a JSON object of variable names to values, not {given!r}",
            "/variables",
        )
    return parsed


def _frame(
    fx: _MockEffects,
    state: dict[str, Any],
    name: str,
    language: str,
    value: Any,
    context: Mapping[str, Any] | None,
    variables: Mapping[str, Any] | None,
    config: Mapping[str, Any],
) -> Frame:
    machine = interpreter.Interpreter(fx)
    machine.language = language
    if context is not None:
        ctx = copy.deepcopy(dict(context))
    else:
        ctx = _default_context(machine, state, value, config)
    language = state.get("QueryLanguage", language)
    return Frame(machine, name, state, language, value, ctx, dict(variables or {}))


def _default_context(
    machine: interpreter.Interpreter, state: Mapping[str, Any], value: Any, config: Any
) -> dict[str, Any]:
    """The context object TestState makes up when none is given.

    TestState names the state "StateName" in it whatever the state's name, and its
    execution has no RedriveCount.
    """
    ctx = machine.context(value, str(uuid.uuid4()))
    ctx["Execution"].pop("RedriveCount", None)
    entered: dict[str, Any] = {
        "Name": "StateName",
        "EnteredTime": effects.timestamp(machine.effects.now()),
    }
    if state["Type"] in _GUARDED:
        entered["RetryCount"] = int(config.get("retrierRetryCount", 0))
    ctx["State"] = entered
    return ctx


def _run(
    frame: Frame,
    mock: Mapping[str, Any] | None,
    config: Mapping[str, Any],
    inspection: dict[str, Any],
) -> dict[str, Any]:
    """Run the state once and describe the outcome as TestState does."""
    kind = frame.state["Type"]
    try:
        if kind in _GUARDED:
            output = _work(kind, mock is not None, config, inspection)(frame)
            following = frame.following
        else:
            output, following = runners.run(frame)
    except (podium_errors.NonDeterminismError, podium_errors.ConfigurationError):
        raise
    except Exception as exc:
        error, cause = errors.from_exception(exc)
        if kind not in _GUARDED:
            return _failed(error, cause)
        return _handled(frame, error, cause, config, inspection)
    out: dict[str, Any] = {"status": "SUCCEEDED", "output": output}
    if following is not None:
        out["nextState"] = following
    return out


def _work(
    kind: str, mocked: bool, config: Mapping[str, Any], inspection: dict[str, Any]
) -> Callable[[Frame], Any]:
    """One attempt of a Task, Parallel or Map state (a mocked Map/Parallel skips its branches)."""
    if kind == "Task":
        return task.task_once
    if kind == "Map":
        return lambda frame: _map(frame, mocked, config, inspection)
    return _mocked_collection if mocked else branches.parallel_once


def _mocked_collection(frame: Frame) -> Any:
    """A Map or Parallel whose whole result is mocked: the mock stands for its branches."""
    if frame.state["Type"] == "Parallel" or frame.jsonata:
        dataflow.effective_input(frame)
    fx = frame.effects
    assert isinstance(fx, _MockEffects)
    if fx.error is not None:
        raise errors.failure(*fx.error)
    return dataflow.finish(frame, copy.deepcopy(fx.mock["result"]))


def _map(frame: Frame, mocked: bool, config: Mapping[str, Any], out: dict[str, Any]) -> Any:
    """A Map as TestState runs it: items and limits evaluated and shown, then the result.

    The mock (or else the item processor) gives the result.
    `mapIterationFailureCount` in the state configuration says how many items failed; past
    the Map's ToleratedFailureCount or ToleratedFailurePercentage the Map fails.
    """
    base = mapstate.data(frame)
    if not frame.jsonata:
        out["afterInputPath"] = base
    found = _map_items(frame, base)
    if found is not None and not frame.jsonata:
        out["afterItemsPath"] = found
    if found is not None:
        _inspect_items(frame, base, found, out)
    out["maxConcurrency"] = mapstate.max_concurrency(frame, base)
    for key in ("ToleratedFailureCount", "ToleratedFailurePercentage"):
        value = limits.number(frame, frame.state, key, base)
        if value is not None:
            value = float(value) if key.endswith("Percentage") else value
            out[key[0].lower() + key[1:]] = value
    failed = int(config.get("mapIterationFailureCount", 0))
    threshold = _declared_tolerance(frame, base)
    total = len(found) if isinstance(found, list) else failed
    if failed and threshold is not None and mapstate.exceeded(threshold, failed, total):
        raise errors.failure(errors.TOLERATED, branches.EXCEEDED_CAUSE)
    if not mocked:
        return branches.map_once(frame)
    return _mocked_collection(frame)


def _map_items(frame: Frame, base: Any) -> Any:
    """The Map's items (JSONPath: after ItemsPath), checked to be an array.

    None with an ItemReader, whose data TestState does not read.
    """
    state = frame.state
    if "ItemReader" in state:
        return None
    if frame.jsonata:
        return mapstate.items(frame, base).values  # an array, else QueryEvaluationError
    path = state.get("ItemsPath", "$")
    found = payload.select(path, base, "ItemsPath", frame.variables, frame.context)
    if not isinstance(found, list):
        shown = path[1:] if path.startswith("$$") else path
        raise errors.failure(errors.RUNTIME, f'Reference path "{shown}" must point to array.')
    return found


def _inspect_items(frame: Frame, base: Any, found: list[Any], out: dict[str, Any]) -> None:
    """The item inputs after ItemSelector (or Parameters), and the batches after ItemBatcher."""
    state = frame.state
    items = mapstate.Items(found)
    inputs = [mapstate.item_input(frame, base, items, i) for i in range(len(found))]
    if "ItemSelector" in state or "Parameters" in state:
        out["afterItemSelector"] = inputs
    groups = mapstate.batches(frame, base, inputs)
    if groups is not None:
        given, extra = mapstate.batch_input(frame, base)
        out["afterItemBatcher"] = [
            {"BatchInput": extra, "Items": group} if given else {"Items": group} for group in groups
        ]


def _declared_tolerance(frame: Frame, base: Any) -> tuple[int, float] | None:
    """The Map's failure threshold when it declares one (else failed items are ignored)."""
    state = frame.state
    if not any(k.startswith("ToleratedFailure") for k in state):
        return None
    return mapstate.tolerance(frame, base)


def _handled(
    frame: Frame,
    error: str | None,
    cause: str,
    config: Mapping[str, Any],
    inspection: dict[str, Any],
) -> dict[str, Any]:
    """RETRIABLE, CAUGHT_ERROR or FAILED for an error of a Task, Parallel or Map state."""
    details: dict[str, Any] = {}
    out = _failed(error, cause)
    retriers = frame.state.get("Retry", [])
    index = recovery.matching(retriers, error)
    if index is not None:
        details["retryIndex"] = index
        done = int(config.get("retrierRetryCount", 0))
        if done < recovery.max_attempts(retriers[index]):
            details["retryBackoffIntervalSeconds"] = int(recovery.delay(retriers[index], done))
            out["status"] = "RETRIABLE"
    if out["status"] == "FAILED":
        catch = recovery.matching(frame.state.get("Catch", []), error)
        if catch is not None:
            details["catchIndex"] = catch
            output, following = recovery.caught(frame, error, cause)
            out.update(status="CAUGHT_ERROR", output=output, nextState=following)
    if details:
        inspection["errorDetails"] = details
    return out


def _failed(error: str | None, cause: str) -> dict[str, Any]:
    """A FAILED response; an unset error (a Fail state without Error) is left out, as AWS does."""
    out: dict[str, Any] = {"status": "FAILED", "error": error, "cause": cause}
    if error is None:
        del out["error"]
    return out


def _mocked_error(mock: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (error, cause) of an error mock: `errorOutput` (AWS form) or `error`/`cause`."""
    if "errorOutput" in mock:
        spec = mock["errorOutput"] or {}
        return str(spec.get("error", "")), str(spec.get("cause", ""))
    if "error" in mock:
        return str(mock["error"]), str(mock.get("cause", ""))
    return None


def _check(state: Any, name: str, language: str) -> None:
    """Validate the state as the only state of a machine (its targets point at itself)."""
    target: dict[str, Any] = copy.deepcopy(dict(state))
    machine = {"QueryLanguage": language, "StartAt": name, "States": {name: target}}
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


def _check_mock(state: Mapping[str, Any], mock: Mapping[str, Any] | None) -> None:
    """Reject a mock the TestState API would reject, with its message."""
    if mock is None:
        return
    kind = state["Type"]
    if kind not in _GUARDED:
        raise _invalid(f"State type '{kind}' is not supported when a mock is specified")
    if "result" in mock and _mocked_error(mock) is not None:
        raise _invalid(
            "A test mock should have only one of the following fields: [result, errorOutput]."
        )
    if "result" not in mock and _mocked_error(mock) is None:
        raise _invalid("A test mock needs one of the following fields: [result, errorOutput].")
    if kind in ("Map", "Parallel") and "result" in mock:
        if not isinstance(mock["result"], list):
            raise _invalid("Mocked result must be an array.")
        if kind == "Parallel" and len(mock["result"]) != len(state.get("Branches", [])):
            raise _invalid(
                "Mocked result must contain the same number of items as number of Parallel "
                "branches."
            )


_CONTEXT_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "Execution": {
        "Id": str,
        "Input": object,
        "Name": str,
        "RoleArn": str,
        "StartTime": str,
        "RedriveCount": int,
    },
    "State": {"EnteredTime": str, "Name": str, "RetryCount": int},
    "StateMachine": {"Id": str, "Name": str},
    "Task": {"Token": str},
}
"""The parts of a context object TestState accepts, with each field's type."""


def _check_context(state: Mapping[str, Any], context: Mapping[str, Any] | None) -> None:
    """Reject a context object the TestState API would reject, with its message."""
    if context is None:
        return
    for part, fields in context.items():
        if part == "Map":
            _context_error("'Map' field is not supported when mocking a Context object")
        if part not in _CONTEXT_FIELDS:
            _context_error(f"Field '{part}' is not allowed")
        for key, value in (fields or {}).items():
            kind = _CONTEXT_FIELDS[part].get(key)
            if kind is None:
                _context_error(f"Field '{key}' is not allowed")
            if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
                _context_error(f"{part}.{key} must be an integer")
            if kind is str and not isinstance(value, str):
                _context_error(f"{part}.{key} must be a string")
    resource = str(state.get("Resource", ""))
    if "Task" in context and not resource.endswith((".sync", ".waitForTaskToken", ":2")):
        _context_error(
            "Context object contains 'Task' when state is not a Task state with a '.sync' or "
            "'.waitForTaskToken' service integration pattern"
        )


def _context_error(message: str) -> None:
    raise _invalid(f"Invalid Context object provided: {message}", "/context")


def _invalid(message: str, location: str = "/mock") -> errors.DefinitionError:
    """The error TestState answers a request it rejects with (a ValidationException)."""
    return errors.DefinitionError(
        [
            {
                "code": "ValidationException",
                "location": location,
                "message": message,
                "severity": "error",
            }
        ]
    )


def _inspect_input(frame: Frame, out: dict[str, Any]) -> None:
    """The data after InputPath and Parameters (or Arguments), as the state starts.

    A Pass with a Result shows neither (its input plays no part); a Map shows its own steps.
    """
    state = frame.state
    if state["Type"] == "Map" or (state["Type"] == "Pass" and "Result" in state):
        return
    try:
        if frame.jsonata:
            if "Arguments" in state:
                out["afterArguments"] = dataflow.evaluate(frame, state["Arguments"])
            return
        data = dataflow.select(frame, state.get("InputPath", "$"), frame.raw, "InputPath")
        out["afterInputPath"] = data
        if state["Type"] in ("Task", "Pass", "Parallel"):
            template = state.get("Parameters")
            out["afterParameters"] = (
                data if template is None else dataflow.build(frame, template, data)
            )
    except errors.ASLError:
        pass


def _inspect_result(frame: Frame, fx: _MockEffects, status: str, out: dict[str, Any]) -> None:
    """The effective input a Task was called with, and the data after its result.

    `result` is the Task's (or mocked Parallel's) result or a Pass's Result; a Map shows only
    the steps after it, and a Pass without Result none of it.
    """
    kind = frame.state["Type"]
    if fx.calls:
        value, result = fx.calls[-1]
        out["afterArguments" if frame.jsonata else "afterParameters"] = value
        if result is None and "result" not in fx.mock:
            return
    elif status != "SUCCEEDED":
        return
    elif kind == "Map":
        if "result" in fx.mock and not frame.jsonata:
            _after_result(frame, fx.mock["result"], out, shown=False)
        return
    elif "result" in fx.mock:
        result = fx.mock["result"]
    elif kind == "Pass" and not frame.jsonata:
        shown = "Result" in frame.state
        result = frame.state["Result"] if shown else out.get("afterParameters")
        _after_result(frame, result, out, shown)
        return
    else:
        return
    _after_result(frame, result, out)


def _inspect_after(frame: Frame, fx: _MockEffects, status: str, out: dict[str, Any]) -> None:
    """What the run adds: the result steps and variables, or the effective input it failed on."""
    if status in ("SUCCEEDED", "CAUGHT_ERROR"):
        _inspect_result(frame, fx, status, out)
        if frame.variables:
            out["variables"] = frame.variables
    elif fx.calls:
        out["afterArguments" if frame.jsonata else "afterParameters"] = fx.calls[-1][0]
    if "errorDetails" in out:
        out["errorDetails"] = out.pop("errorDetails")


def _after_result(frame: Frame, result: Any, out: dict[str, Any], shown: bool = True) -> None:
    if shown:
        out["result"] = result
    if frame.jsonata:
        return
    try:
        if "ResultSelector" in frame.state:
            result = dataflow.build(frame, frame.state["ResultSelector"], result)
        out["afterResultSelector"] = result
        place = payload.place(frame.state.get("ResultPath", "$"), frame.raw, result)
        out["afterResultPath"] = place
    except errors.ASLError:
        pass


test_state.__test__ = False  # type: ignore[attr-defined]
"""Not a pytest test, though its name starts with `test_` and users import it into tests."""
