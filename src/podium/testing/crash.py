"""Fault points: a run dies at a chosen step, before or after the step's effect.

Plugged in as an engine step wrapper (see `podium.engine.hooks`). The crash is the engine's
own signal for a run that must stop without writing anything (`Fenced`), so the run is
abandoned as a killed worker's would be: nothing is released, its lease is no longer renewed
and expires, and another run takes the workflow over and resumes it from its history.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator

from podium import context, errors
from podium.engine import hooks

WHEN = ("before", "after")


class WorkerCrash(errors.Fenced):
    """The simulated death of the worker running a step (raised by a fault point)."""

    def __init__(self, workflow_id: str, step: str, when: str) -> None:
        self.workflow_id = workflow_id
        self.step = step
        self.when = when
        super().__init__(f"fault point: the worker died {when} step {step!r} of {workflow_id!r}")


@dataclasses.dataclass
class Point:
    """Crash runs of `workflow` at `step`, `when` ("before" or "after" its effect).

    Each workflow instance crashes there at most `times` times; `fired` counts them.
    """

    workflow: str
    step: str
    when: str
    times: int = 1
    fired: dict[str, int] = dataclasses.field(default_factory=dict)


class CrashPoints:
    """The step wrapper that holds every fault point of a TestEnv."""

    def __init__(self) -> None:
        self.points: list[Point] = []
        self._lock = threading.Lock()

    def add(self, point: Point) -> Point:
        """Arm `point`."""
        if point.when not in WHEN:
            raise errors.ConfigurationError(
                f"when={point.when!r} must be 'before' or 'after' (the step's effect)"
            )
        with self._lock:
            self.points.append(point)
        return point

    def __call__(self, call: hooks.StepCall) -> contextlib.AbstractContextManager[None]:
        """The context of one step attempt (see `hooks.StepWrapper`)."""
        return self._around(call)

    @contextlib.contextmanager
    def _around(self, call: hooks.StepCall) -> Iterator[None]:
        self._maybe_crash(call, "before")
        yield  # the step's effect
        self._maybe_crash(call, "after")

    def _maybe_crash(self, call: hooks.StepCall, when: str) -> None:
        run = context.current_run.get()
        workflow = run.workflow.workflow if run is not None else None
        with self._lock:
            for point in self.points:
                if point.when != when or point.step != call.step.name:
                    continue
                if point.workflow != workflow:
                    continue
                done = point.fired.get(call.workflow_id, 0)
                if done >= point.times:
                    continue
                point.fired[call.workflow_id] = done + 1
                raise WorkerCrash(call.workflow_id, call.step.name, when)
