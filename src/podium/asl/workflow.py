"""`app.asl_workflow`: a state machine registered as a durable podium workflow.

The workflow body runs the interpreter with effects that go through podium: every Task is a
step (its result is checkpointed and never recomputed), Wait is a durable timer, and time,
UUIDs and random numbers are recorded. A replay re-runs the interpreter from the top and
arrives at the same state with the same data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from podium import context
from podium import errors as podium_errors
from podium import registry as registry_mod
from podium import step as step_mod
from podium import workflow as workflow_mod
from podium.asl import (
    distributed,
    errors,
    executions,
    integrations,
    interpreter,
    tokens,
    validation,
)
from podium.asl.effects import ItemOutcome
from podium.patterns import fanout, messages
from podium.patterns import retry as retry_mod


class AslWorkflow(workflow_mod.WorkflowDefinition[..., Any]):
    """A workflow that runs an ASL state machine, or a DISTRIBUTED Map's item processor."""

    timeout_error_type: ClassVar[str] = errors.TIMEOUT

    def __init__(
        self,
        fn: Callable[..., Any],
        name: str,
        options: workflow_mod.WorkflowOptions,
        machine: Mapping[str, Any],
        *,
        processor: bool = False,
    ) -> None:
        super().__init__(fn, name, options)
        self.machine = machine
        """The definition it runs (for a processor: its ItemProcessor)."""
        self.processor = processor
        """True for a DISTRIBUTED Map's item processor, False for a state machine."""


class PodiumEffects:
    """Effects recorded in the running workflow's history."""

    def __init__(
        self,
        steps: Mapping[str, step_mod.StepDefinition[..., Any]],
        children: Mapping[int, distributed.Child] | None = None,
        machines: Callable[[str], AslWorkflow | None] | None = None,
    ) -> None:
        self.steps = steps
        self.children = children or {}
        self.machines = machines
        """The app's ASL workflow of a name, for states:startExecution Tasks."""
        self._timed: dict[tuple[str, float], step_mod.StepDefinition[..., Any]] = {}
        self._invokers: dict[str, step_mod.StepDefinition[..., Any]] = {}

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
        """Run the resource's step (checkpointed; see podium.asl.integrations)."""
        start = self._start_execution if self.machines is not None else None
        return integrations.perform(resource, payload, timeout, self.steps, self._run, start)

    def _start_execution(self, machine: str, value: Any, wait: bool) -> executions.Execution | None:
        """Start the ASL workflow `machine` as a child; with `wait`, wait for its end."""
        definition = self.machines(machine) if self.machines is not None else None
        if definition is None:
            return None
        started = context.now()
        handle = fanout.start_child(definition, value)
        if not wait:
            return executions.Execution(handle.id, started)
        try:
            output = handle.result()
        except podium_errors.WorkflowFailed as exc:
            stopped = context.now()
            failed = executions.Execution(handle.id, started, stopped, "FAILED")
            return dataclasses.replace(failed, error=exc.error_type, cause=exc.message)
        except podium_errors.WorkflowCancelled:
            return executions.Execution(handle.id, started, context.now(), "ABORTED")
        return executions.Execution(handle.id, started, context.now(), "SUCCEEDED", output)

    def _run(self, key: str, payload: Any, timeout: float | None, invoke: bool) -> Any:
        step = self.steps[key]
        if invoke:
            step = self._invoker(step)
        if timeout is not None:
            step = self._with_timeout(step, timeout)
        return step(payload)

    def wait_for_callback(self, token: str, timeout: float | None, heartbeat: float | None) -> Any:
        """Receive the callback message of `token` (a durable wait; see podium.asl.tokens)."""
        topic = tokens.topic(token)
        begin = context.now() if timeout is not None else None

        def elapsed() -> float:
            return (context.now() - begin).total_seconds() if begin is not None else 0.0

        def receive(window: float | None) -> Any:
            return messages.receive(topic, timeout=window)

        return tokens.wait(receive, timeout, heartbeat, elapsed)

    def _invoker(
        self, step: step_mod.StepDefinition[..., Any]
    ) -> step_mod.StepDefinition[..., Any]:
        """The step that invokes `step`'s function as lambda:invoke does (its own name)."""
        if step.name not in self._invokers:
            fn = integrations.invoker(step.fn, _request_id, _utcnow)
            made = step_mod.StepDefinition(fn, f"{step.name}:invoke", step.options)
            self._invokers[step.name] = made
        return self._invokers[step.name]

    def run_children(
        self, processor: Mapping[str, Any], inputs: list[Any], language: str, limit: int
    ) -> list[ItemOutcome] | None:
        """Each input as a child workflow of the running one (see podium.asl.distributed)."""
        child = self.children.get(id(processor))
        if child is None:
            return None
        return distributed.run(child, inputs, language, limit)

    def _with_timeout(
        self, step: step_mod.StepDefinition[..., Any], timeout: float
    ) -> step_mod.StepDefinition[..., Any]:
        key = (step.name, timeout)
        if key not in self._timed:
            options = step_mod.StepOptions(step.options.retry, timeout, step.options.compensate)
            self._timed[key] = step_mod.StepDefinition(step.fn, step.name, options)
        return self._timed[key]


def _request_id() -> str:
    """The Lambda request id of the running step: stable across its retries and replays."""
    step = context.current_step.get()
    key = step.idempotency_key if step is not None else str(uuid.uuid4())
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"podium-lambda:{key}"))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def register(
    registry: registry_mod.Registry,
    name: str,
    definition: object,
    resources: Mapping[str, Callable[..., Any]],
    *,
    queue: str = "default",
    timeout: float | None = None,
    machine_type: str = validation.STANDARD,
) -> AslWorkflow:
    """Validate `definition` (a dict or JSON text), map its resources to steps, register it.

    `machine_type` is STANDARD or EXPRESS: an EXPRESS machine may not use `.sync` or
    `.waitForTaskToken` integrations (it runs the same way otherwise).
    """
    problems = validation.validate(definition, machine_type=machine_type)
    machine = validation.load(definition) if not problems else None
    if machine is not None:
        problems = _unmapped(machine, resources)
    if problems or machine is None:
        raise errors.DefinitionError(problems)
    steps = {res: _as_step(registry, name, res, fn) for res, fn in resources.items()}
    children = _children(registry, name, machine, steps, queue)
    machine_timeout = machine.get("TimeoutSeconds")

    def body(input: Any = None) -> Any:
        effects = PodiumEffects(steps, children, lambda other: _machine(registry, other))
        engine = interpreter.Interpreter(effects, name)
        return engine.execute(machine, input, _execution_id())

    body.__name__ = body.__qualname__ = name
    body.__doc__ = f"Amazon States Language state machine {name!r}."
    options = workflow_mod.WorkflowOptions(
        queue, retry_mod.NO_RETRY, timeout if timeout is not None else machine_timeout
    )
    wf = AslWorkflow(body, name, options, machine)
    registry.add_workflow(wf)
    return wf


def _machine(registry: registry_mod.Registry, name: str) -> AslWorkflow | None:
    """The ASL state machine registered as `name` (not a DISTRIBUTED Map's processor)."""
    found = registry.workflows.get(name)
    if isinstance(found, AslWorkflow) and not found.processor:
        return found
    return None


def _execution_id() -> str:
    run = context.current_run.get()
    return run.workflow.id if run is not None else str(context.uuid4())


def _children(
    registry: registry_mod.Registry,
    name: str,
    machine: Any,
    steps: Mapping[str, step_mod.StepDefinition[..., Any]],
    queue: str,
) -> dict[int, distributed.Child]:
    """Register a child workflow for each DISTRIBUTED Map's ItemProcessor (by its id)."""
    children: dict[int, distributed.Child] = {}

    def machines(other: str) -> AslWorkflow | None:
        return _machine(registry, other)

    for path, processor in distributed.processors(machine):
        child = _child(f"{name}/{path}", name, processor, steps, children, queue, machines)
        registry.add_workflow(child)
        children[id(processor)] = child
    return children


def _child(
    workflow: str,
    machine_name: str,
    processor: Any,
    steps: Mapping[str, step_mod.StepDefinition[..., Any]],
    children: Mapping[int, distributed.Child],
    queue: str,
    machines: Callable[[str], AslWorkflow | None] | None = None,
) -> distributed.Child:
    """The workflow that runs `processor` on one item (or batch) of a DISTRIBUTED Map."""

    def body(input: Any = None, language: str = interpreter.JSONPATH) -> Any:
        effects = PodiumEffects(steps, children, machines)
        engine = interpreter.Interpreter(effects, machine_name)
        engine.language = language
        context_object = engine.context(input, _execution_id())
        return engine.run_machine(processor, input, context_object, {}, language)

    body.__name__ = body.__qualname__ = workflow.rsplit("/", 1)[-1]
    body.__doc__ = f"Item processor {workflow!r} of a DISTRIBUTED Map."
    options = workflow_mod.WorkflowOptions(queue, retry_mod.NO_RETRY, None)
    return AslWorkflow(body, workflow, options, processor, processor=True)


def _unmapped(machine: Any, resources: Mapping[str, Any]) -> list[dict[str, str]]:
    out = integrations.unmapped(machine, resources)
    for resource, where in _map_resources(machine):
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


def _map_resources(machine: Any, at: str = "") -> list[tuple[str, str]]:
    """The Resource of every ItemReader and ResultWriter, with its JSON pointer."""
    out: list[tuple[str, str]] = []
    for name, state in machine.get("States", {}).items():
        where = f"{at}/States/{name.replace('~', '~0').replace('/', '~1')}"
        for key in ("ItemReader", "ResultWriter"):
            block = state.get(key)
            if isinstance(block, dict) and "Resource" in block:
                out.append((block["Resource"], f"{where}/{key}/Resource"))
        for index, branch in enumerate(state.get("Branches", [])):
            out.extend(_map_resources(branch, f"{where}/Branches/{index}"))
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                out.extend(_map_resources(state[key], f"{where}/{key}"))
    return out


def _as_step(
    registry: registry_mod.Registry, machine: str, resource: str, fn: Callable[..., Any]
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
    registry.add_step(step)
    return step
