"""`app.asl_workflow`: a state machine registered as a durable podium workflow.

The workflow body runs the interpreter with effects that go through podium: every Task is a
step (its result is checkpointed and never recomputed), Wait is a durable timer, and time,
UUIDs and random numbers are recorded. A replay re-runs the interpreter from the top and
arrives at the same state with the same data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from podium import context
from podium import step as step_mod
from podium import workflow as workflow_mod
from podium.asl import errors, interpreter, validation
from podium.patterns import retry as retry_mod

if TYPE_CHECKING:
    from podium.app import App


class PodiumEffects:
    """Effects recorded in the running workflow's history."""

    def __init__(self, steps: Mapping[str, step_mod.StepDefinition[..., Any]]) -> None:
        self.steps = steps
        self._timed: dict[tuple[str, float], step_mod.StepDefinition[..., Any]] = {}

    def uuid4(self) -> str:
        """A recorded UUID."""
        return str(context.uuid4())

    def random(self) -> float:
        """A recorded random float."""
        return context.random()

    def now(self) -> dt.datetime:
        """The recorded current time."""
        return context.now()

    def sleep(self, seconds: float) -> None:
        """A durable timer."""
        context.sleep(seconds)

    def call(self, resource: str, payload: Any, timeout: float | None) -> Any:
        """Run the resource's step (checkpointed)."""
        step = self.steps[resource]
        if timeout is not None:
            step = self._with_timeout(step, timeout)
        return step(payload)

    def _with_timeout(
        self, step: step_mod.StepDefinition[..., Any], timeout: float
    ) -> step_mod.StepDefinition[..., Any]:
        key = (step.name, timeout)
        if key not in self._timed:
            options = step_mod.StepOptions(step.options.retry, timeout, step.options.compensate)
            self._timed[key] = step_mod.StepDefinition(step.fn, step.name, options)
        return self._timed[key]


def register(
    app: App,
    name: str,
    definition: Any,
    resources: Mapping[str, Callable[..., Any]],
    *,
    queue: str = "default",
    timeout: float | None = None,
) -> workflow_mod.WorkflowDefinition[..., Any]:
    """Validate `definition`, map its resources to steps and register the workflow `name`."""
    problems = validation.validate(definition)
    machine = validation.load(definition) if not problems else None
    if machine is not None:
        problems = _unmapped(machine, resources)
    if problems or machine is None:
        raise errors.DefinitionError(problems)
    steps = {res: _as_step(app, name, res, fn) for res, fn in resources.items()}
    machine_timeout = machine.get("TimeoutSeconds")

    def body(input: Any = None) -> Any:
        run = context.current_run.get()
        record = getattr(run, "wf", None)
        execution = getattr(record, "id", None) or str(context.uuid4())
        engine = interpreter.Interpreter(PodiumEffects(steps), name)
        return engine.execute(machine, input, execution)

    body.__name__ = body.__qualname__ = name
    body.__doc__ = f"Amazon States Language state machine {name!r}."
    options = workflow_mod.WorkflowOptions(
        queue, retry_mod.NO_RETRY, timeout if timeout is not None else machine_timeout
    )
    wf = workflow_mod.WorkflowDefinition(body, name, options)
    wf.asl_definition = machine  # type: ignore[attr-defined]
    app.registry.add_workflow(wf)
    return wf


def _unmapped(machine: Any, resources: Mapping[str, Any]) -> list[dict[str, str]]:
    out = []
    for resource, where in validation.resources(machine):
        if resource not in resources:
            out.append(
                {
                    "code": "UNMAPPED_RESOURCE",
                    "location": where,
                    "message": f"Task resource {resource!r} is not mapped; pass it in "
                    "resources={...} as a step or function",
                    "severity": "error",
                }
            )
    return out


def _as_step(
    app: App, machine: str, resource: str, fn: Callable[..., Any]
) -> step_mod.StepDefinition[..., Any]:
    if isinstance(fn, step_mod.StepDefinition):
        return fn
    if not callable(fn):
        raise errors.DefinitionError(
            [
                {
                    "code": "INVALID_RESOURCE",
                    "location": "",
                    "message": f"resource {resource!r} maps to {fn!r}, not a function or step",
                    "severity": "error",
                }
            ]
        )
    short = re.sub(r"^arn:aws:[a-z]+:[^:]*:[^:]*:", "", resource)
    step = step_mod.StepDefinition(
        fn, f"{machine}:{short}", step_mod.StepOptions(retry=retry_mod.NO_RETRY)
    )
    app.registry.add_step(step)
    return step
