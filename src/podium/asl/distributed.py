"""DISTRIBUTED Map states as podium child workflows.

Each DISTRIBUTED Map's ItemProcessor is registered as a workflow of its own, named
`<machine>/<path of state names>` (e.g. `orders/ProcessAll`), that runs the processor on
its input. The parent starts one child per item (`podium.start_child`), never more than
MaxConcurrency unfinished at once, and waits for them durably: a child is created once, at a
history position, so a parent that crashes and replays finds its children (and the outcomes
it recorded) instead of running a completed item again. Any worker can run the children.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator, Mapping
from typing import Any

from podium import errors as podium_errors
from podium import workflow as workflow_mod
from podium.asl import mapstate
from podium.asl.effects import ItemOutcome
from podium.patterns import fanout

Child = workflow_mod.WorkflowDefinition[..., Any]


def processors(machine: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, ItemProcessor) of every DISTRIBUTED Map in `machine`, nested ones included."""
    for name, state in machine.get("States", {}).items():
        if state.get("Type") == "Map":
            processor = mapstate.processor(state)
            if mapstate.mode(state) == mapstate.DISTRIBUTED:
                yield f"{prefix}{name}", processor
            yield from processors(processor, f"{prefix}{name}/")
        for index, branch in enumerate(state.get("Branches", [])):
            yield from processors(branch, f"{prefix}{name}/{index}/")


def run(child: Child, inputs: list[Any], language: str, limit: int) -> list[ItemOutcome]:
    """Run `child` on every input (at most `limit` unfinished, 0: no limit); outcomes in order."""
    handles: list[fanout.ChildHandle] = []
    outcomes: dict[int, ItemOutcome] = {}
    window: collections.deque[int] = collections.deque()
    for index, value in enumerate(inputs):
        if limit and len(window) >= limit:
            head = window.popleft()
            outcomes[head] = outcome(handles[head])
        handles.append(fanout.start_child(child, value, language=language))
        window.append(index)
    rest = list(window)
    for index, result in zip(rest, _rest(handles, rest), strict=True):
        outcomes[index] = result
    return [outcomes[i] for i in range(len(inputs))]


def _rest(handles: list[fanout.ChildHandle], indexes: list[int]) -> list[ItemOutcome]:
    """The outcomes of the children still running: one durable wait while all succeed."""
    if not indexes:
        return []
    try:
        results = fanout.gather(*(handles[i] for i in indexes))
    except (podium_errors.WorkflowFailed, podium_errors.WorkflowCancelled):
        return [outcome(handles[i]) for i in indexes]
    return [ItemOutcome(result) for result in results]


def outcome(handle: fanout.ChildHandle) -> ItemOutcome:
    """How one child ended (a durable wait for it)."""
    try:
        return ItemOutcome(handle.result())
    except podium_errors.WorkflowFailed as exc:
        unset = exc.error_type == ""  # a Fail state without Error (see asl.errors)
        error = None if unset else exc.error_type
        return ItemOutcome(error=error, cause=exc.message, failed=True)
    except podium_errors.WorkflowCancelled as exc:
        return ItemOutcome(error="States.Aborted", cause=str(exc), failed=True)
