"""The state-runner table: which function runs each ASL state type.

Each state module registers its runner here when it is imported (`@runners.runs("Task")`),
and `podium/asl/__init__.py` imports every state module, so the table is complete before any
machine runs. The interpreter dispatches through `run` and so never imports a state module:
Parallel and Map, which run nested machines through the interpreter, make no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable

from podium.asl.frame import Frame, Outcome

Runner = Callable[[Frame], Outcome]
"""runner(frame): run one state; its output and the next state (None at an end)."""

RUNNERS: dict[str, Runner] = {}
"""State type (`Pass`, `Task`, ...) -> its runner."""


def runs(kind: str) -> Callable[[Runner], Runner]:
    """Register the decorated function as the runner of states of type `kind`."""

    def register(runner: Runner) -> Runner:
        RUNNERS[kind] = runner
        return runner

    return register


def run(frame: Frame) -> Outcome:
    """Run one state with the runner of its type."""
    return RUNNERS[frame.state["Type"]](frame)
