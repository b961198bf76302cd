"""`App`: a registry of definitions plus one store, and the verbs users call on both.

The verbs live in podium.application, one concern a module (starting, queues and schedules,
intelligence, operating stored workflows); this module adds the definition decorators.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar, overload

from podium import arguments, errors, redaction
from podium import step as step_mod
from podium import workflow as workflow_mod
from podium.application import intelligence, operate, queues
from podium.patterns import circuit as circuit_mod
from podium.patterns import events as events_mod
from podium.patterns import fanout, machinedef, statemachine
from podium.patterns import retry as retry_mod
from podium.patterns import schedule as schedule_mod

P = ParamSpec("P")
R = TypeVar("R")


def _app_path_like(given: str) -> str:
    """A MODULE:APP close to what was given: `examples/checkout.py` -> `examples.checkout:app`.

    People pass a file path or a bare module; the error names the form they meant.
    """
    parts = [p for p in given.strip().removesuffix(".py").split("/") if p not in ("", ".")]
    module = ".".join(parts)
    if module and all(name.isidentifier() for name in module.split(".")):
        return f"{module}:app"
    return "shop.workflows:app"


class App(queues.QueueVerbs, intelligence.IntelligenceVerbs, operate.OperateVerbs):
    """A podium application: `@app.workflow`/`@app.step` definitions bound to one store.

    No global state: two apps on two databases in one process do not see each other.
    """

    @classmethod
    def from_path(cls, path: str) -> App:
        """Import `module:attribute` and return the App found there (used by the CLI)."""
        module_name, _, attribute = path.partition(":")
        if not module_name or not attribute:
            raise errors.ConfigurationError(
                f"{path!r} is not MODULE:APP; write e.g. {_app_path_like(module_name)!r}"
            )
        if "" not in sys.path:
            sys.path.insert(0, "")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise errors.ConfigurationError(
                f"cannot import module {module_name!r} ({exc}); run from the folder that "
                "holds it or add that folder to PYTHONPATH"
            ) from None
        app = getattr(module, attribute, None)
        if not isinstance(app, App):
            raise errors.ConfigurationError(
                f"{module_name!r} has no podium.App named {attribute!r}"
            )
        return app

    @overload
    def workflow(self, fn: Callable[P, R], /) -> workflow_mod.WorkflowDefinition[P, R]: ...

    @overload
    def workflow(
        self,
        *,
        name: str | None = None,
        queue: str = "default",
        retry: retry_mod.RetryPolicy | None = None,
        timeout: float | None = None,
        on_event: str | Sequence[str] | None = None,
        schedule: str | None = None,
        timezone: str = "UTC",
        catchup: str = "latest",
        redact: Sequence[str] | None = None,
        retention: dt.timedelta | float | str | None = None,
    ) -> Callable[[Callable[P, R]], workflow_mod.WorkflowDefinition[P, R]]: ...

    def workflow(
        self,
        fn: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
        queue: str = "default",
        retry: retry_mod.RetryPolicy | None = None,
        timeout: float | None = None,
        on_event: str | Sequence[str] | None = None,
        schedule: str | None = None,
        timezone: str = "UTC",
        catchup: str = "latest",
        redact: Sequence[str] | None = None,
        retention: dt.timedelta | float | str | None = None,
    ) -> Any:
        """Register a workflow; works bare (`@app.workflow`) and with options.

        `schedule="*/5 * * * *"` (croniter syntax, in `timezone`): one run per tick across
        all workers; missed ticks follow `catchup` ("latest", "all", "none"); see
        podium.patterns.schedule.

        `on_event="order.created"` (or `"order.*"`, or a list): each matching event starts
        one run, called with the event's payload, id `f"{name}:{event_id}"`.

        `redact=["card.number", "ssn"]`: those values of its input, output and step results
        show as `*****` in the API, dashboard, CLI and error messages (see podium.redaction).
        Arguments are validated against the type hints at start (see podium.validation).

        `retention=timedelta(days=7)` (or "7d", or seconds): its finished runs are purged
        that long after they ended, by every worker serving this app and by `app.purge()`
        (see podium.patterns.retention); running and waiting ones are never touched.
        """
        patterns = events_mod.check_on_event(on_event)
        paths = redaction.check_paths(redact, "@app.workflow")
        keep = arguments.check_retention(retention, "@app.workflow retention")
        cron = None if schedule is None else schedule_mod.Schedule(schedule, timezone, catchup)

        def register(f: Callable[..., Any]) -> workflow_mod.WorkflowDefinition[..., Any]:
            arguments.check_callable(f, "@app.workflow")
            options = workflow_mod.WorkflowOptions(
                queue, retry, timeout, on_event=patterns, redact=paths, retention=keep
            )
            definition = workflow_mod.WorkflowDefinition(f, name or f.__name__, options)
            if patterns:
                events_mod.check_subscriber(f, definition.name)
            self.registry.add_workflow(definition)
            if patterns and self._runtime is not None:
                events_mod.sync_subscriptions(self._runtime)
            if cron is not None:
                schedule_mod.check_signature(definition)
                self._schedules[definition.name] = cron
                if self._runtime is not None:
                    schedule_mod.sync(self._runtime, self._schedules)
            return definition

        return register(fn) if fn is not None else register

    @overload
    def step(self, fn: Callable[P, R], /) -> step_mod.StepDefinition[P, R]: ...

    @overload
    def step(
        self,
        *,
        name: str | None = None,
        retry: retry_mod.RetryPolicy | None = None,
        timeout: float | None = None,
        compensate: Callable[..., Any] | None = None,
        circuit: str | None = None,
        redact: Sequence[str] | None = None,
        validate: bool = False,
    ) -> Callable[[Callable[P, R]], step_mod.StepDefinition[P, R]]: ...

    def step(
        self,
        fn: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
        retry: retry_mod.RetryPolicy | None = None,
        timeout: float | None = None,
        compensate: Callable[..., Any] | None = None,
        circuit: str | None = None,
        redact: Sequence[str] | None = None,
        validate: bool = False,
    ) -> Any:
        """Register a step; works bare (`@app.step`) and with options.

        `compensate=undo` (a function or an `@app.step`): inside `with podium.saga():`,
        `undo(result, *args, **kwargs)` runs as a step if the saga fails after this step.
        `circuit="name"`: calls go through `app.circuit_breaker("name", ...)` (declare it first).
        `redact=[...]`: paths of its result shown as `*****` (see podium.redaction);
        `validate=True`: each result is checked against the return annotation.
        """
        paths = redaction.check_paths(redact, "@app.step")

        def register(f: Callable[..., Any]) -> step_mod.StepDefinition[..., Any]:
            arguments.check_callable(f, "@app.step")
            step_name = name or f.__name__
            undo = step_mod.compensation(compensate, step_name)
            options = step_mod.StepOptions(
                retry, timeout, undo, circuit, redact=paths, validate=bool(validate)
            )
            guard = None if circuit is None else self._plain_guard(self.breakers.lookup(circuit))
            definition = step_mod.StepDefinition(f, step_name, options, guard)
            if undo is not None:
                self.registry.add_step(undo)
                self._compensating = True
                self._replug()
            self.registry.add_step(definition)
            fanout.register_runner(self.registry, definition)  # so any worker runs .submit()
            return definition

        return register(fn) if fn is not None else register

    def circuit_breaker(
        self,
        name: str,
        failure_threshold: float = 0.5,
        min_calls: int = 10,
        window: float = 60.0,
        cooldown: float = 30.0,
        half_open_calls: int = 1,
    ) -> circuit_mod.Breaker:
        """Declare a circuit breaker; steps join it with `@app.step(circuit=name)`.

        It opens when at least `min_calls` calls in the last `window` seconds failed at a rate
        of `failure_threshold` or more; while open, calls fail fast with CircuitOpenError; after
        `cooldown` seconds `half_open_calls` trial calls decide whether it closes or re-opens.
        Its state is shared by every worker through the store. See podium.patterns.circuit.
        """
        policy = circuit_mod.BreakerPolicy(
            failure_threshold, min_calls, window, cooldown, half_open_calls
        )
        breaker = self.breakers.declare(arguments.check_name(name, "name"), policy)
        self._replug()
        return breaker

    def breaker_state(self, name: str) -> str:
        """The state of circuit breaker `name` in the store: "closed", "open" or "half_open"."""
        return self.breakers.state(self.runtime, name)

    def _plain_guard(
        self, breaker: circuit_mod.Breaker
    ) -> Callable[[], contextlib.AbstractContextManager[None]]:
        """The breaker check of a step called outside any workflow."""
        return lambda: circuit_mod.plain_guard(self.runtime, breaker)

    def asl_workflow(
        self,
        name: str,
        definition: object,
        resources: dict[str, Callable[..., Any]] | None = None,
        *,
        queue: str = "default",
        timeout: float | None = None,
        machine_type: str = "STANDARD",
    ) -> workflow_mod.WorkflowDefinition[..., Any]:
        """Register an Amazon States Language state machine as a workflow (see podium.asl).

        `resources` maps each Task's Resource to a step or plain function (which becomes a
        step); an invalid definition or an unmapped resource raises DefinitionError.
        `machine_type="EXPRESS"` also refuses `.sync`/`.waitForTaskToken` integrations.
        """
        from podium.asl import workflow as asl_workflow

        return asl_workflow.register(
            self.registry,
            name,
            definition,
            resources or {},
            queue=queue,
            timeout=timeout,
            machine_type=machine_type,
        )

    def state_machine(
        self,
        name: str,
        initial: str,
        transitions: Sequence[Any],
        *,
        final: Sequence[str] | str = (),
        states: Sequence[str] | None = None,
        queue: str = "default",
    ) -> statemachine.StateMachine:
        """Register a durable state machine; each instance runs as a workflow (see its module).

        `transitions`: `(event, source, target)`, `(event, source, target, guard)` or dicts
        with event, source, target, guard, update. An invalid machine raises
        ConfigurationError naming every problem.
        """
        definition = machinedef.MachineDefinition(name, initial, transitions, final, states)
        return statemachine.register(self, definition, queue)
