"""Parallel branches and Map iterations, run inline one after another.

Each branch or item runs its own sub-machine with a copy of the enclosing variables (it can
read them; what it assigns stays inside). The first failure fails the state unless a Map
tolerates it (ToleratedFailureCount/Percentage).
"""

from __future__ import annotations

from typing import Any

from podium import errors as podium_errors
from podium.asl import dataflow, errors, payload
from podium.asl.interpreter import JSONATA, Frame


def parallel_once(frame: Frame) -> Any:
    """The work of a Parallel state: every branch on the effective input."""
    data = dataflow.effective_input(frame)
    results = []
    for branch in frame.state["Branches"]:
        results.append(
            frame.interpreter.run_machine(
                branch, data, _branch_context(frame), dict(frame.variables), frame.language
            )
        )
    return dataflow.finish(frame, results)


def _branch_context(frame: Frame) -> dict[str, Any]:
    return {k: v for k, v in frame.context.items() if k != "Map"}


def map_once(frame: Frame) -> Any:
    """The work of a Map state: the item processor over every item."""
    items, base = _items(frame)
    processor = frame.state.get("ItemProcessor") or frame.state["Iterator"]
    tolerated = _tolerance(frame, len(items))
    results: list[Any] = []
    failed = 0
    for index, item in enumerate(items):
        context = _branch_context(frame)
        context["Map"] = {"Item": {"Index": index, "Value": item}}
        value = _item_input(frame, base, context, index, item)
        try:
            results.append(
                frame.interpreter.run_machine(
                    processor, value, context, dict(frame.variables), frame.language
                )
            )
        except (podium_errors.NonDeterminismError, podium_errors.ConfigurationError):
            raise
        except Exception as exc:
            if tolerated is None:
                raise
            failed += 1
            error, cause = errors.from_exception(exc)
            results.append({"Error": error, "Cause": cause})
            if failed > tolerated:
                raise errors.failure(
                    errors.TOLERATED, "The specified tolerated failure threshold was exceeded"
                ) from None
    return dataflow.finish(frame, results)


def _items(frame: Frame) -> tuple[list[Any], Any]:
    state = frame.state
    if frame.jsonata:
        items = dataflow.evaluate(frame, state["Items"]) if "Items" in state else frame.raw
        if not isinstance(items, list):
            raise errors.failure(
                errors.QUERY,
                f"The Items of Map state '{frame.name}' did not evaluate to a JSON array",
            )
        return items, frame.raw
    data = payload.select(state.get("InputPath", "$"), frame.raw, "InputPath", frame.variables)
    items = payload.select(state.get("ItemsPath", "$"), data, "ItemsPath", frame.variables)
    if not isinstance(items, list):
        raise errors.failure(
            errors.RUNTIME,
            f"Invalid path '{state.get('ItemsPath', '$')}': The ItemsPath of Map state "
            f"'{frame.name}' did not resolve to a JSON array",
        )
    return items, data


def _tolerance(frame: Frame, total: int) -> int | None:
    state = frame.state
    count = state.get("ToleratedFailureCount")
    percentage = state.get("ToleratedFailurePercentage")
    if count is None and percentage is None:
        return None
    limits = []
    if count is not None:
        limits.append(int(count))
    if percentage is not None:
        limits.append(int(total * float(percentage) / 100))
    return min(limits)


def _item_input(frame: Frame, base: Any, context: dict[str, Any], index: int, item: Any) -> Any:
    state = frame.state
    selector = state.get("ItemSelector", state.get("Parameters"))
    if selector is None:
        return item
    if frame.language == JSONATA:
        states = dataflow.states_var(frame)
        states["context"] = context
        return payload_fill(selector, states, frame.variables)
    return payload.build(selector, base, context, frame.variables, frame.effects)


def payload_fill(template: Any, states: dict[str, Any], variables: dict[str, Any]) -> Any:
    """Fill a JSONata ItemSelector."""
    from podium.asl import jsonata

    return jsonata.fill(template, states, variables)
