"""Static checks of a state machine definition, returned as diagnostics.

A diagnostic is `{"code", "location", "message", "severity"}` where `location` is a JSON
pointer into the definition. An empty list means the definition is valid.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any

from podium.asl import choice, integrations, intrinsics, jsonata
from podium.asl.fieldchecks import (
    assign_names,
    credentials,
    diag,
    esc,
    intrinsic,
    jsonata_fields,
    map_label,
    path,
    positive_int,
    reference,
    template,
)

Diagnostic = dict[str, str]
MAX_NAME = 80
LANGUAGES = ("JSONPath", "JSONata")
STANDARD, EXPRESS = "STANDARD", "EXPRESS"
MACHINE_TYPES = (STANDARD, EXPRESS)
_EXPRESS_REFUSED = (".sync", ".sync:2", ".waitForTaskToken")
"""The integration patterns an EXPRESS state machine cannot use (it never waits for a job)."""

_COMMON = {"Type", "Comment", "QueryLanguage"}
_FLOW = {"Next", "End"}
_JP_IO = {"InputPath", "OutputPath"}
_JP_RESULT = {"ResultPath", "ResultSelector"}
_ERRORS = {"Retry", "Catch"}
_JP_FIELDS: dict[str, set[str]] = {
    "Pass": _FLOW | _JP_IO | {"Parameters", "ResultPath", "Result", "Assign"},
    "Task": _FLOW
    | _JP_IO
    | _JP_RESULT
    | _ERRORS
    | {"Resource", "Parameters", "Assign"}
    | {"TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath"}
    | {"Credentials"},
    "Choice": _JP_IO | {"Choices", "Default", "Assign"},
    "Wait": _FLOW | _JP_IO | {"Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign"},
    "Succeed": _JP_IO,
    "Fail": {"Error", "Cause", "ErrorPath", "CausePath"},
    "Parallel": _FLOW | _JP_IO | _JP_RESULT | _ERRORS | {"Branches", "Parameters", "Assign"},
    "Map": _FLOW
    | _JP_IO
    | _JP_RESULT
    | _ERRORS
    | {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "Parameters", "Assign"}
    | {"MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailureCount", "Label"}
    | {"ToleratedFailurePercentage", "ToleratedFailureCountPath", "ItemReader"}
    | {"ToleratedFailurePercentagePath", "ResultWriter", "ItemBatcher"},
}
_JA_FIELDS: dict[str, set[str]] = {
    "Pass": _FLOW | {"Output", "Assign"},
    "Task": _FLOW
    | _ERRORS
    | {"Resource", "Arguments", "Output", "Assign", "Credentials"}
    | {"TimeoutSeconds", "HeartbeatSeconds"},
    "Choice": {"Choices", "Default", "Output", "Assign"},
    "Wait": _FLOW | {"Seconds", "Timestamp", "Output", "Assign"},
    "Succeed": {"Output"},
    "Fail": {"Error", "Cause"},
    "Parallel": _FLOW | _ERRORS | {"Branches", "Arguments", "Output", "Assign"},
    "Map": _FLOW
    | _ERRORS
    | {"ItemProcessor", "Iterator", "Items", "ItemSelector", "Output", "Assign"}
    | {"MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage", "Label"}
    | {"ItemReader", "ResultWriter", "ItemBatcher"},
}
_NEEDS_FLOW = {"Pass", "Task", "Wait", "Parallel", "Map"}


def load(definition: object) -> Any:
    """The definition as a dict: JSON text is parsed, a mapping is used as is."""
    if isinstance(definition, str | bytes):
        return json.loads(definition)
    return definition


def validate(definition: object, *, machine_type: str = STANDARD) -> list[Diagnostic]:
    """Every problem in `definition` (a dict or JSON text); empty when it is valid.

    `machine_type` is the type the machine is declared with, STANDARD or EXPRESS: an EXPRESS
    machine cannot use the `.sync` and `.waitForTaskToken` integration patterns.
    """
    if machine_type not in MACHINE_TYPES:
        raise ValueError(f"machine_type must be STANDARD or EXPRESS, not {machine_type!r}")
    try:
        machine = load(definition)
    except json.JSONDecodeError as exc:
        return [diag("INVALID_JSON", "", f"the definition is not JSON: {exc}")]
    if not isinstance(machine, dict):
        return [diag("INVALID_TYPE", "", "the definition must be a JSON object")]
    out: list[Diagnostic] = []
    language = machine.get("QueryLanguage", "JSONPath")
    if language not in LANGUAGES:
        out.append(diag("INVALID_VALUE", "/QueryLanguage", "must be JSONPath or JSONata"))
        language = "JSONPath"
    timeout = machine.get("TimeoutSeconds")
    if timeout is not None and not positive_int(timeout):
        out.append(diag("INVALID_VALUE", "/TimeoutSeconds", "must be a positive integer"))
    extra = set(machine) - {"States", "StartAt", "Comment", "Version", "TimeoutSeconds"}
    for key in sorted(extra - {"QueryLanguage"}):
        out.append(diag("UNKNOWN_FIELD", f"/{esc(key)}", f"field {key!r} is not allowed"))
    token = _TOP_LANGUAGE.set(language)
    kind = _MACHINE_TYPE.set(machine_type)
    try:
        out.extend(_machine(machine, "", language))
    finally:
        _MACHINE_TYPE.reset(kind)
        _TOP_LANGUAGE.reset(token)
    return out


_TOP_LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="JSONPath")
"""The machine's top-level QueryLanguage, which nested states default to (not their parent's)."""
_MACHINE_TYPE: contextvars.ContextVar[str] = contextvars.ContextVar(
    "machine_type", default=STANDARD
)
"""The type the machine being validated is declared with (STANDARD or EXPRESS)."""


def _machine(machine: Mapping[str, Any], at: str, language: str) -> Iterator[Diagnostic]:
    states = machine.get("States")
    start = machine.get("StartAt")
    if not isinstance(states, dict) or not states:
        yield diag("MISSING_FIELD", f"{at}/States", "States must be a non-empty object")
        return
    if not isinstance(start, str):
        yield diag("MISSING_FIELD", f"{at}/StartAt", "StartAt must name a state")
    elif start not in states:
        yield diag("UNKNOWN_STATE", f"{at}/StartAt", f"StartAt names no state: {start!r}")
    for name, state in states.items():
        where = f"{at}/States/{esc(name)}"
        if len(name) > MAX_NAME or not name:
            yield diag("INVALID_NAME", where, f"state names are 1 to {MAX_NAME} characters")
        if not isinstance(state, dict):
            yield diag("INVALID_TYPE", where, "a state must be a JSON object")
            continue
        yield from _state(name, state, where, language, states)
    if isinstance(start, str) and start in states:
        for name in states:
            if name not in _reachable(start, states):
                yield diag(
                    "UNREACHABLE_STATE",
                    f"{at}/States/{esc(name)}",
                    f"state {name!r} cannot be reached from StartAt",
                )


def _reachable(start: str, states: Mapping[str, Any]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        state = states[name]
        if not isinstance(state, dict):
            continue
        todo.extend(t for t in _targets(state) if isinstance(t, str))
    return seen


def _targets(state: Mapping[str, Any]) -> Iterator[Any]:
    if "Next" in state:
        yield state["Next"]
    if "Default" in state:
        yield state["Default"]
    for rule in state.get("Choices", []) if isinstance(state.get("Choices"), list) else []:
        if isinstance(rule, dict):
            yield rule.get("Next")
    for catcher in state.get("Catch", []) if isinstance(state.get("Catch"), list) else []:
        if isinstance(catcher, dict):
            yield catcher.get("Next")


def _state(
    name: str, state: Mapping[str, Any], at: str, language: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    kind = state.get("Type")
    if kind not in _JP_FIELDS:
        yield diag("INVALID_VALUE", f"{at}/Type", f"unknown state Type {kind!r}")
        return
    language = state.get("QueryLanguage", language)
    if language not in LANGUAGES:
        yield diag("INVALID_VALUE", f"{at}/QueryLanguage", "must be JSONPath or JSONata")
        return
    if language == "JSONPath" and _TOP_LANGUAGE.get() == "JSONata":
        yield diag(
            "INVALID_VALUE",
            f"{at}/QueryLanguage",
            "a state cannot use JSONPath when the machine's QueryLanguage is JSONata",
        )
        return
    allowed = (_JA_FIELDS if language == "JSONata" else _JP_FIELDS)[kind] | _COMMON
    for key in state:
        if key not in allowed:
            yield diag(
                "UNKNOWN_FIELD",
                f"{at}/{esc(key)}",
                f"field {key!r} is not allowed in a {kind} state using {language}",
            )
    yield from _flow(kind, state, at, states)
    yield from _fields(kind, state, at, language, states)


def _flow(
    kind: str, state: Mapping[str, Any], at: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    if kind in _NEEDS_FLOW:
        has_next, has_end = "Next" in state, state.get("End") is True
        if has_next == has_end:
            yield diag("INVALID_FLOW", at, "a state needs exactly one of Next or End: true")
        if "End" in state and state["End"] is not True:
            yield diag("INVALID_VALUE", f"{at}/End", "End must be true")
    elif "Next" in state or "End" in state:
        yield diag("INVALID_FLOW", at, f"a {kind} state has no Next or End")
    if "Next" in state:
        yield from _target(state["Next"], f"{at}/Next", states)


def _target(name: Any, at: str, states: Mapping[str, Any]) -> Iterator[Diagnostic]:
    if not isinstance(name, str) or name not in states:
        yield diag("UNKNOWN_STATE", at, f"{name!r} is not a state of this machine")


def _fields(
    kind: str, state: Mapping[str, Any], at: str, language: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    jp = language == "JSONPath"
    for key in ("InputPath", "OutputPath", "ItemsPath"):
        if key in state and state[key] is not None:
            yield from path(state[key], f"{at}/{key}")
    if "ResultPath" in state and state["ResultPath"] is not None:
        yield from reference(state["ResultPath"], f"{at}/ResultPath")
    for key in ("Parameters", "ResultSelector", "ItemSelector", "Assign"):
        if key in state:
            yield from (template if jp else jsonata_fields)(state[key], f"{at}/{key}")
    for key in ("Arguments", "Output"):
        if key in state:
            yield from jsonata_fields(state[key], f"{at}/{key}")
    if "Assign" in state:
        yield from assign_names(state["Assign"], f"{at}/Assign", language)
    yield from _CHECKS.get(kind, _nothing)(state, at, language, states)
    yield from _errors(state, at, language, states)


def _nothing(*_: Any) -> Iterator[Diagnostic]:
    return iter(())


def _task(
    state: Mapping[str, Any], at: str, language: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    resource = state.get("Resource")
    if not isinstance(resource, str):
        yield diag("MISSING_FIELD", f"{at}/Resource", "a Task needs a Resource string")
    elif _MACHINE_TYPE.get() == EXPRESS:
        found = integrations.parse(resource)
        if found is not None and found.pattern in _EXPRESS_REFUSED:
            yield diag(
                "UNSUPPORTED_INTEGRATION",
                f"{at}/Resource",
                f"Express state machines do not support the {found.pattern!r} integration "
                f"pattern of {resource!r}: use the request-response resource {found.base!r} "
                "or declare the machine STANDARD",
            )
    if "Credentials" in state:
        yield from credentials(state["Credentials"], f"{at}/Credentials", language)
    for key in ("TimeoutSeconds", "HeartbeatSeconds"):
        value = state.get(key)
        if value is not None and not positive_int(value) and not jsonata.is_expression(value):
            yield diag("INVALID_VALUE", f"{at}/{key}", f"{key} must be a positive integer")
    if "TimeoutSeconds" in state and "TimeoutSecondsPath" in state:
        yield diag("INVALID_FIELDS", at, "use TimeoutSeconds or TimeoutSecondsPath, not both")
    timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
    if positive_int(timeout) and positive_int(heartbeat) and heartbeat >= timeout:  # type: ignore[operator]
        yield diag("INVALID_VALUE", f"{at}/HeartbeatSeconds", "must be smaller than TimeoutSeconds")


def _choice(
    state: Mapping[str, Any], at: str, language: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    rules = yield from _non_empty(state, "Choices", at)
    if not rules:
        return

    def check(index: int, where: str, rule: dict[str, Any]) -> Iterator[Diagnostic]:
        yield from _target(rule.get("Next"), f"{where}/Next", states)
        yield from _block(rule, where, language, _RULE_FIELDS if language == "JSONata" else None)
        if language != "JSONata":
            yield from _rule(rule, where, top=True)
        elif jsonata.is_expression(rule.get("Condition")) or isinstance(
            rule.get("Condition"), bool
        ):
            yield from jsonata_fields(rule.get("Condition"), f"{where}/Condition")
        else:
            yield diag("INVALID_RULE", where, "a JSONata rule needs a {% %} Condition")

    yield from _each_object(rules, f"{at}/Choices", "a Choice rule must be an object", check)
    if "Default" in state:
        yield from _target(state["Default"], f"{at}/Default", states)


def _rule(rule: Any, at: str, top: bool = False) -> Iterator[Diagnostic]:
    if not isinstance(rule, dict):
        yield diag("INVALID_RULE", at, "a Choice rule must be an object")
        return
    if top and "Next" not in rule:
        yield diag("INVALID_RULE", at, "a top-level Choice rule needs Next")
    if not top and "Next" in rule:
        yield diag("INVALID_RULE", f"{at}/Next", "a nested Choice rule has no Next")
    for key in ("And", "Or"):
        if key in rule:
            if not isinstance(rule[key], list) or not rule[key]:
                yield diag("INVALID_RULE", f"{at}/{key}", f"{key} must be a non-empty array")
                return
            for i, sub in enumerate(rule[key]):
                yield from _rule(sub, f"{at}/{key}/{i}")
            return
    if "Not" in rule:
        yield from _rule(rule["Not"], f"{at}/Not")
        return
    op = choice.operator_of(rule)
    if op is None:
        yield diag("INVALID_RULE", at, "a rule needs exactly one comparison operator")
        return
    if not isinstance(rule.get("Variable"), str):
        yield diag("INVALID_RULE", f"{at}/Variable", "a comparison needs a Variable path")
    else:
        yield from path(rule["Variable"], f"{at}/Variable")
    yield from _operand(op, rule[op], f"{at}/{op}")


def _operand(op: str, value: Any, at: str) -> Iterator[Diagnostic]:
    if op.endswith("Path"):
        if isinstance(value, str):
            yield from path(value, at)
        else:
            yield diag("INVALID_TYPE", at, f"{op} takes a path")
        return
    ok = {
        "String": isinstance(value, str),
        "Numeric": isinstance(value, int | float) and not isinstance(value, bool),
        "Boolean": isinstance(value, bool),
        "Timestamp": isinstance(value, str) and choice.parse_timestamp(value) is not None,
        "Is": isinstance(value, bool),
    }
    kind = next(k for k in ok if op.startswith(k))
    if not ok[kind]:
        yield diag("INVALID_TYPE", at, f"{op} takes a {kind.lower()} value, not {value!r}")


def _wait(
    state: Mapping[str, Any], at: str, language: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    given = [k for k in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if k in state]
    if len(given) != 1:
        yield diag(
            "INVALID_FIELDS",
            at,
            "a Wait needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath",
        )
        return
    key, value = given[0], state[given[0]]
    if jsonata.is_expression(value):
        yield from jsonata_fields(value, f"{at}/{key}")
    elif key == "Seconds" and not (positive_int(value) or value == 0):
        yield diag("INVALID_VALUE", f"{at}/Seconds", "Seconds must be an integer >= 0")
    elif key == "Timestamp" and (
        not isinstance(value, str) or choice.parse_timestamp(value) is None
    ):
        yield diag("INVALID_VALUE", f"{at}/Timestamp", "Timestamp must be RFC 3339")
    elif key.endswith("Path"):
        yield from path(value, f"{at}/{key}")


def _fail(
    state: Mapping[str, Any], at: str, language: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    for key in ("Error", "Cause"):
        if key in state and f"{key}Path" in state:
            yield diag("INVALID_FIELDS", at, f"use {key} or {key}Path, not both")
        if key in state and not isinstance(state[key], str):
            yield diag("INVALID_TYPE", f"{at}/{key}", f"{key} must be a string")
        if f"{key}Path" in state:
            value = state[f"{key}Path"]
            if intrinsics.is_call(value):
                yield from intrinsic(value, f"{at}/{key}Path")
            else:
                yield from path(value, f"{at}/{key}Path")


def _parallel(
    state: Mapping[str, Any], at: str, language: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    for index, branch in enumerate((yield from _non_empty(state, "Branches", at))):
        yield from _sub(branch, f"{at}/Branches/{index}", language)


def _non_empty(
    state: Mapping[str, Any], key: str, at: str
) -> Generator[Diagnostic, None, list[Any]]:
    """The array `state[key]`; when it is missing or empty, a diagnostic saying so and []."""
    items = state.get(key)
    if isinstance(items, list) and items:
        return items
    yield diag("MISSING_FIELD", f"{at}/{key}", f"{key} must be a non-empty array")
    return []


def _map(
    state: Mapping[str, Any], at: str, language: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
    if key not in state:
        yield diag("MISSING_FIELD", f"{at}/ItemProcessor", "a Map needs an ItemProcessor")
    else:
        yield from _sub(state[key], f"{at}/{key}", language)
    if "ItemSelector" in state and "Parameters" in state:
        yield diag("INVALID_FIELDS", at, "use ItemSelector or Parameters, not both")
    if "Label" in state:
        yield from map_label(state["Label"], f"{at}/Label")
    value = state.get("MaxConcurrency")
    if value is not None and not (
        positive_int(value) or value == 0 or jsonata.is_expression(value)
    ):
        yield diag("INVALID_VALUE", f"{at}/MaxConcurrency", "must be an integer >= 0")
    pct = state.get("ToleratedFailurePercentage")
    if pct is not None and not (
        (isinstance(pct, int | float) and 0 <= pct <= 100) or jsonata.is_expression(pct)
    ):
        yield diag("INVALID_VALUE", f"{at}/ToleratedFailurePercentage", "must be 0 to 100")
    if "Items" in state and not (
        isinstance(state["Items"], list) or jsonata.is_expression(state["Items"])
    ):
        yield diag(
            "INVALID_TYPE",
            f"{at}/Items",
            "Items must be a JSON array or a {% %} expression that evaluates to one",
        )


def _sub(machine: Any, at: str, language: str) -> Iterator[Diagnostic]:
    if not isinstance(machine, dict):
        yield diag("INVALID_TYPE", at, "must be an object with StartAt and States")
        return
    yield from _machine(machine, at, machine.get("QueryLanguage", _TOP_LANGUAGE.get()))


def _errors(
    state: Mapping[str, Any], at: str, language: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    for key in ("Retry", "Catch"):
        if key in state:
            yield from _handlers(state[key], key, at, language, states)


def _handlers(
    items: Any, key: str, at: str, language: str, states: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    """The Retriers (`key` "Retry") or Catchers ("Catch") of the state at `at`."""
    if not isinstance(items, list):
        yield diag("INVALID_TYPE", f"{at}/{key}", f"{key} must be an array")
        return

    def check(index: int, where: str, item: dict[str, Any]) -> Iterator[Diagnostic]:
        yield from _error_equals(item, where, last=index == len(items) - 1)
        if key == "Retry":
            yield from _retrier(item, where)
            return
        if "Next" not in item:
            yield diag("MISSING_FIELD", f"{where}/Next", "a Catcher needs Next")
        else:
            yield from _target(item["Next"], f"{where}/Next", states)
        if "ResultPath" in item and item["ResultPath"] is not None:
            yield from reference(item["ResultPath"], f"{where}/ResultPath")
        yield from _block(item, where, language, _CATCH_FIELDS[language])

    yield from _each_object(items, f"{at}/{key}", "must be an object", check)


def _each_object(
    items: list[Any],
    at: str,
    message: str,
    check: Callable[[int, str, dict[str, Any]], Iterator[Diagnostic]],
) -> Iterator[Diagnostic]:
    """`check(index, where, entry)` of each object entry of `items`; INVALID_TYPE for the rest."""
    for index, item in enumerate(items):
        where = f"{at}/{index}"
        if isinstance(item, dict):
            yield from check(index, where, item)
        else:
            yield diag("INVALID_TYPE", where, message)


def _error_equals(item: Mapping[str, Any], at: str, last: bool) -> Iterator[Diagnostic]:
    names = item.get("ErrorEquals")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        yield diag("MISSING_FIELD", f"{at}/ErrorEquals", "needs a non-empty array of names")
        return
    if "States.ALL" in names and (len(names) > 1 or not last):
        yield diag(
            "INVALID_ERROR_EQUALS",
            f"{at}/ErrorEquals",
            "States.ALL must appear alone and in the last Retrier or Catcher",
        )


def _retrier(item: Mapping[str, Any], at: str) -> Iterator[Diagnostic]:
    checks = {
        "IntervalSeconds": lambda v: positive_int(v),
        "MaxAttempts": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "BackoffRate": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v >= 1,
        "MaxDelaySeconds": lambda v: positive_int(v),
        "JitterStrategy": lambda v: v in ("FULL", "NONE"),
    }
    for key, value in item.items():
        if key == "ErrorEquals" or key == "Comment":
            continue
        check = checks.get(key)
        if check is None:
            yield diag("UNKNOWN_FIELD", f"{at}/{key}", f"field {key!r} is not allowed")
        elif not check(value):
            yield diag("INVALID_VALUE", f"{at}/{key}", f"{key}={value!r} is out of range")


_RULE_FIELDS = frozenset({"Condition", "Next", "Assign", "Output", "Comment"})
"""The fields of a JSONata Choice rule."""
_CATCH_FIELDS = {
    "JSONPath": frozenset({"ErrorEquals", "Next", "ResultPath", "Assign", "Comment"}),
    "JSONata": frozenset({"ErrorEquals", "Next", "Output", "Assign", "Comment"}),
}
"""The fields of a Catcher in each query language."""


def _block(
    block: Mapping[str, Any], at: str, language: str, allowed: frozenset[str] | None
) -> Iterator[Diagnostic]:
    """The Assign and Output of a Choice rule or Catcher, and its fields when `allowed`."""
    for key in block:
        jsonpath_output = key == "Output" and language == "JSONPath"
        if jsonpath_output or (allowed is not None and key not in allowed):
            yield diag("UNKNOWN_FIELD", f"{at}/{esc(key)}", f"field {key!r} is not allowed here")
    if "Assign" in block:
        where = f"{at}/Assign"
        yield from (jsonata_fields if language == "JSONata" else template)(block["Assign"], where)
        yield from assign_names(block["Assign"], where, language)
    if "Output" in block and language == "JSONata":
        yield from jsonata_fields(block["Output"], f"{at}/Output")


_CHECKS: dict[str, Any] = {
    "Task": _task,
    "Choice": _choice,
    "Wait": _wait,
    "Fail": _fail,
    "Parallel": _parallel,
    "Map": _map,
}
