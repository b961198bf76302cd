"""Parallel and Map states: their runners (under Retry and Catch) and their work.

Parallel runs every branch on the effective input; its result is the array of branch
outputs in branch order, and a failing branch fails it with that branch's error (Retry and
Catch of the Parallel then apply). Branches and INLINE Map iterations run here, one after
another, each with a copy of the enclosing variables (what they assign stays inside); that
is durable inside a podium workflow, as the interpreter replays. A DISTRIBUTED Map hands its
items to the effects' `run_children` (child workflows inside podium); children see none of
the parent's variables. Map outputs are always in item order, whatever MaxConcurrency is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podium import errors as podium_errors
from podium.asl import dataflow, errors, mapstate, recovery, resultwriter, runners
from podium.asl.effects import ItemOutcome
from podium.asl.frame import Frame, Outcome

EXCEEDED_CAUSE = "The specified tolerated failure threshold was exceeded"


@runners.runs("Parallel")
def parallel(frame: Frame) -> Outcome:
    """Parallel: run every branch on the same input; the result is the list of outputs."""
    return recovery.guarded(frame, parallel_once)


@runners.runs("Map")
def map_state(frame: Frame) -> Outcome:
    """Map: run the item processor for every item; the result is the list of outputs."""
    return recovery.guarded(frame, map_once)


def parallel_once(frame: Frame) -> Any:
    """The work of a Parallel state: every branch on the effective input."""
    data = dataflow.effective_input(frame)
    context = _branch_context(frame)
    results = [
        frame.interpreter.run_machine(
            branch, data, context, dict(frame.variables), frame.interpreter.language
        )
        for branch in frame.state["Branches"]
    ]
    return dataflow.finish(frame, results)


def _branch_context(frame: Frame) -> dict[str, Any]:
    return {k: v for k, v in frame.context.items() if k != "Map"}


def map_once(frame: Frame) -> Any:
    """The work of a Map state: the item processor over every item (or batch)."""
    base = mapstate.data(frame)
    limit = mapstate.max_concurrency(frame, base)
    found = mapstate.items(frame, base)
    threshold = mapstate.tolerance(frame, base)
    inputs = [mapstate.item_input(frame, base, found, i) for i in range(len(found.values))]
    weights = [1] * len(inputs)
    groups = mapstate.batches(frame, base, inputs)
    if groups is not None:
        given, extra = mapstate.batch_input(frame, base)
        inputs = [{"BatchInput": extra, "Items": g} if given else {"Items": g} for g in groups]
        weights = [len(g) for g in groups]
    if mapstate.mode(frame.state) == mapstate.DISTRIBUTED:
        outcomes = _distributed(frame, inputs, weights, threshold, limit)
        return dataflow.finish(frame, resultwriter.distributed_results(frame, outcomes, inputs))
    outcomes = _inline(frame, inputs, weights, threshold)
    return dataflow.finish(frame, resultwriter.inline_results(outcomes))


def _inline(
    frame: Frame, inputs: list[Any], weights: list[int], threshold: tuple[int, float] | None
) -> list[ItemOutcome]:
    """Run the iterations here in item order; the first failure ends the Map unless tolerated."""
    processor = mapstate.processor(frame.state)
    context = _branch_context(frame)
    outcomes: list[ItemOutcome] = []
    failed = 0
    for index, value in enumerate(inputs):
        outcome = _attempt(frame, processor, value, context, dict(frame.variables))
        if outcome.failed:
            if threshold is None:
                raise errors.failure(outcome.error, outcome.cause)
            failed += weights[index]
            _check(threshold, failed, sum(weights))
        outcomes.append(outcome)
    return outcomes


def _distributed(
    frame: Frame,
    inputs: list[Any],
    weights: list[int],
    threshold: tuple[int, float] | None,
    limit: int,
) -> list[ItemOutcome]:
    """Run the items as child executions; fail when more failed than the threshold allows."""
    processor = mapstate.processor(frame.state)
    outcomes = frame.effects.run_children(processor, inputs, frame.interpreter.language, limit)
    if outcomes is None:
        outcomes = [_child(frame, processor, value) for value in inputs]
    failed = sum(w for w, o in zip(weights, outcomes, strict=True) if o.failed)
    _check(threshold or (0, 0.0), failed, sum(weights))
    return outcomes


def _child(frame: Frame, processor: Mapping[str, Any], value: Any) -> ItemOutcome:
    """One child execution run here: its own context object, no variables of the parent."""
    context = frame.interpreter.context(value, frame.effects.uuid4())
    return _attempt(frame, processor, value, context, {})


def _attempt(
    frame: Frame,
    processor: Mapping[str, Any],
    value: Any,
    context: dict[str, Any],
    variables: dict[str, Any],
) -> ItemOutcome:
    """One iteration's outcome: its output, or the error it failed with."""
    try:
        output = frame.interpreter.run_machine(
            processor, value, context, variables, frame.interpreter.language
        )
    except (podium_errors.NonDeterminismError, podium_errors.ConfigurationError):
        raise
    except Exception as exc:
        error, cause = errors.from_exception(exc)
        return ItemOutcome(error=error, cause=cause, failed=True)
    return ItemOutcome(output)


def _check(threshold: tuple[int, float], failed: int, total: int) -> None:
    if mapstate.exceeded(threshold, failed, total):
        raise errors.failure(errors.TOLERATED, EXCEEDED_CAUSE)
