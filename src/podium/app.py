"""`App`: a registry of definitions plus one store, and the verbs users call on both."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar, overload

from podium import arguments, config, definitions, errors, inline, registry, serialization
from podium import clock as clock_mod
from podium import codecs as codecs_mod
from podium import step as step_mod
from podium import workflow as workflow_mod
from podium.engine import interceptors, worker
from podium.engine import runtime as runtime_mod
from podium.patterns import (
    bulk,
    fanout,
    insight,
    learning,
    pausing,
    remediation,
    routing,
    saga,
    statemachine,
)
from podium.patterns import circuit as circuit_mod
from podium.patterns import events as events_mod
from podium.patterns import queues as queues_mod
from podium.patterns import retry as retry_mod
from podium.patterns import schedule as schedule_mod
from podium.patterns import search as search_mod
from podium.patterns import telemetry as telemetry_mod
from podium.patterns import versions as versions_mod
from podium.store import base, coded, factory
from podium.types import STATUSES

P = ParamSpec("P")
R = TypeVar("R")


class App:
    """A podium application: `@app.workflow`/`@app.step` definitions bound to one store.

    No global state: two apps on two databases in one process do not see each other.
    """

    def __init__(
        self,
        name: str = "podium",
        *,
        database_url: str | None = None,
        default_retry: retry_mod.RetryPolicy | None = None,
        lease_seconds: float | None = None,
        poll_interval: float | None = None,
        suspend_grace: float | None = None,
        max_payload_bytes: int | None = None,
        max_history_events: int | None = None,
        clock: clock_mod.Clock | None = None,
        store: base.Store | None = None,
        codecs: Sequence[codecs_mod.Codec] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise errors.ConfigurationError(f"App name {name!r} must be a non-empty string")
        arguments.check_retry(default_retry, "default_retry")
        self.name = name
        self.settings = config.resolve(
            database_url=database_url,
            lease_seconds=lease_seconds,
            poll_interval=poll_interval,
            suspend_grace=suspend_grace,
            max_payload_bytes=max_payload_bytes,
            max_history_events=max_history_events,
        )
        self.registry = registry.Registry()
        self.breakers = circuit_mod.Declared()
        """The circuit breakers declared with `circuit_breaker`, by name."""
        self._compensating = False
        """Whether a step declares `compensate=` (then sagas listen to completed steps)."""
        self._store = store
        self.codecs = codecs_mod.chain(codecs)
        """The payload codec chain (`codecs=`), or None: every stored payload goes through it."""
        self._clock = clock or clock_mod.SystemClock()
        self._default_retry = default_retry
        self._runtime: runtime_mod.Runtime | None = None
        self._lock = threading.Lock()
        self._inline_owner: str | None = None
        self._workers: list[worker.Worker] = []
        self._queues: dict[str, queues_mod.QueueConfig] = {}
        self._schedules: dict[str, schedule_mod.Schedule] = {}
        self._telemetry_settings: telemetry_mod.TelemetrySettings | None = None
        self._telemetry: insight.Telemetry | None = None
        self._worker_bounds: dict[str, tuple[int, int]] = {}
        self._learners: dict[str, tuple[learning.Learner, set[str] | None]] = {}
        self._routed_queues: dict[str, None] = {}
        self.rules = remediation.Rules(self)
        """The remediation rules declared with `remediate`; their callables get this app."""

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def runtime(self) -> runtime_mod.Runtime:
        """The engine side of this app; opens the store on first use."""
        with self._lock:
            if self._runtime is None:
                store = self._store or factory.open_store(self.settings.database_url)
                if self.codecs is not None:
                    store = coded.CodedStore(store, self.codecs)
                self._runtime = runtime_mod.Runtime(
                    self.name,
                    store,
                    self.settings,
                    self.registry,
                    self._clock,
                    self._default_retry,
                )
                self._plug(self._runtime)
                events_mod.sync_subscriptions(self._runtime)
                queues_mod.sync(self._runtime, self._queues)
                schedule_mod.sync(self._runtime, self._schedules)
            return self._runtime

    def _plug(self, rt: runtime_mod.Runtime) -> None:
        """Plug the patterns this app uses into the engine's hooks (again: no change).

        Fan-out wakes waiting parents when a child ends, and every worker runs the cron
        scheduler; breakers guard step attempts and sagas listen to completed steps only
        once the app declares one, so an app without them pays nothing per step.
        """
        rt.hooks.add_run_listener(fanout.ParentWaker(rt))
        rt.hooks.add_service(schedule_mod.Firing(rt))
        rt.hooks.add_step_gate(pausing.Gate(rt))
        if len(self.breakers):
            rt.hooks.add_step_wrapper(circuit_mod.StepGuard(rt, self.breakers))
        if self._compensating:
            rt.hooks.add_step_listener(saga.on_step_completed)
        settings = self._telemetry_settings
        if settings is not None and (self._telemetry is None or self._telemetry.rt is not rt):
            self._telemetry = insight.Telemetry(rt, settings, self.served_queues)
            self._telemetry.plug(rt.hooks)
        for learner, queues in list(self._learners.values()):
            rt.hooks.add_run_listener(learning.OutcomeListener(rt, learner, queues))
        if len(self.rules):
            evaluator = remediation.Evaluator(rt, self.rules, self.served_queues, self._flush)
            rt.hooks.add_service(evaluator)

    def _flush(self) -> None:
        """Write this process's telemetry now (nothing when telemetry is off)."""
        if self._telemetry is not None:
            self._telemetry.flush()

    def _replug(self) -> None:
        """After a declaration that needs a hook: plug it into a runtime that already runs."""
        with self._lock:
            rt = self._runtime
        if rt is not None:
            self._plug(rt)

    @property
    def store(self) -> base.Store:
        """The store this app reads and writes."""
        return self.runtime.store

    def close(self) -> None:
        """Stop this app's workers and threads and close the store."""
        for w in list(self._workers):
            w.stop()
        with self._lock:
            rt, self._runtime = self._runtime, None
        if rt is not None:
            rt.close()
            rt.store.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @classmethod
    def from_path(cls, path: str) -> App:
        """Import `module:attribute` and return the App found there (used by the CLI)."""
        module_name, _, attribute = path.partition(":")
        if not module_name or not attribute:
            raise errors.ConfigurationError(
                f"{path!r} is not MODULE:APP; write e.g. 'shop.workflows:app'"
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

    # -- definitions -----------------------------------------------------------------------

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
    ) -> Any:
        """Register a workflow; works bare (`@app.workflow`) and with options.

        `schedule="*/5 * * * *"` (croniter syntax, in `timezone`): one run per tick across
        all workers; missed ticks follow `catchup` ("latest", "all", "none"); see
        podium.patterns.schedule.

        `on_event="order.created"` (or `"order.*"`, or a list): each matching event starts
        one run, called with the event's payload, id `f"{name}:{event_id}"`.
        """
        patterns = events_mod.check_on_event(on_event)
        cron = None if schedule is None else schedule_mod.Schedule(schedule, timezone, catchup)

        def register(f: Callable[..., Any]) -> workflow_mod.WorkflowDefinition[..., Any]:
            arguments.check_callable(f, "@app.workflow")
            options = workflow_mod.WorkflowOptions(queue, retry, timeout, on_event=patterns)
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
    ) -> Any:
        """Register a step; works bare (`@app.step`) and with options.

        `compensate=undo` (a function or an `@app.step`): inside `with podium.saga():`,
        `undo(result, *args, **kwargs)` runs as a step if the saga fails after this step.
        `circuit="name"`: calls go through `app.circuit_breaker("name", ...)` (declare it first).
        """

        def register(f: Callable[..., Any]) -> step_mod.StepDefinition[..., Any]:
            arguments.check_callable(f, "@app.step")
            step_name = name or f.__name__
            undo = step_mod.compensation(compensate, step_name)
            options = step_mod.StepOptions(retry, timeout, undo, circuit)
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
        return statemachine.register(
            self, name, initial, transitions, final=final, states=states, queue=queue
        )

    # -- starting and running --------------------------------------------------------------

    def start(
        self,
        workflow: definitions.Workflow | str,
        /,
        *args: Any,
        id: str | None = None,
        queue: str | None = None,
        priority: int = 0,
        delay: float | dt.timedelta | None = None,
        key: str | None = None,
        timeout: float | None = None,
        search: dict[str, Any] | None = None,
        debounce: float | dt.timedelta | None = None,
        debounce_max: float | dt.timedelta | None = None,
        **kwargs: Any,
    ) -> workflow_mod.WorkflowHandle:
        """Store a workflow durably and return its handle at once.

        The same `id` again returns the existing workflow; it never runs twice.
        `search={"customer": "c-9"}` sets search attributes (str, int, float or bool) that
        `list(search=...)` filters on. `debounce=5.0, key="cart-9"`: a start with that key
        while an earlier one has not begun running folds into it (the latest input wins and
        the 5 s wait starts again); `debounce_max=60.0` runs it at the latest 60 s after the
        first of those starts; see podium.patterns.search.
        """
        options = arguments.StartOptions(id, queue, priority, delay, key, timeout)
        extras = search_mod.StartExtras(search, debounce, debounce_max).check(id, key, delay)
        record, _ = self._create(workflow, args, kwargs, options, owner=None, extras=extras)
        return workflow_mod.WorkflowHandle(self.runtime, record.id)

    def run(
        self,
        workflow: definitions.Workflow | str,
        /,
        *args: Any,
        id: str | None = None,
        queue: str | None = None,
        priority: int = 0,
        delay: float | dt.timedelta | None = None,
        key: str | None = None,
        timeout: float | None = None,
        search: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Start a workflow and execute it in this process; return its result.

        Options are those of `start`. Waits (timers, retries) are waited here; a workflow
        already finished under the same `id` returns its stored result.
        """
        options = arguments.StartOptions(id, queue, priority, delay, key, timeout)
        owner = self._owner() if not delay else None
        extras = None if search is None else search_mod.StartExtras(search).check(id, key, delay)
        record, claim = self._create(workflow, args, kwargs, options, owner=owner, extras=extras)
        if claim is not None:
            run = worker.execute(self.runtime, claim, inline.NEVER_RELEASED)
            if run is not None and run.output is not None:
                # Its completion is committed and final (resume only reopens failed or
                # cancelled workflows): the stored output is the one just written.
                return serialization.loads(run.output)
        return self._drive(record.id)

    def _create(
        self,
        workflow: definitions.Workflow | str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        options: arguments.StartOptions,
        owner: str | None,
        extras: search_mod.StartExtras | None = None,
    ) -> tuple[base.WorkflowRecord, base.Claim | None]:
        """Validate and store a new workflow; with `owner`, created claimed by it."""
        definition = self._definition(workflow)
        definition.bind(args, kwargs)
        rt = self.runtime
        now = rt.clock.time()
        new = self._new_workflow(definition, args, kwargs, options, now, owner)
        if extras is None:
            record, created = queues_mod.create(rt.store, new, now)
        else:
            record, created = search_mod.create(rt.store, new, now, extras)
        if not created and record.workflow != definition.name:
            raise errors.ConfigurationError(
                f"id {new.id!r} already belongs to a {record.workflow!r} workflow, not "
                f"{definition.name!r}; choose another id"
            )
        if not created:
            return record, None
        if rt.hooks.interceptors:
            interceptors.started(rt.hooks.interceptors, record.id)
        if owner is None or record.lease_owner != owner:
            rt.notifier.work_available()
            return record, None
        fence = base.Fence(record.id, owner, record.lease_epoch)
        return record, base.Claim(record=record, fence=fence, takeover=False)

    def _new_workflow(
        self,
        definition: definitions.Workflow,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        options: arguments.StartOptions,
        now: float,
        owner: str | None,
    ) -> base.NewWorkflow:
        payload = serialization.dumps_call(
            args,
            kwargs,
            owner=f"workflow {definition.name!r}",
            names=definition.parameter_names(),
            limit=self.settings.max_payload_bytes,
            checked=True,
        )
        timeout = options.timeout if options.timeout is not None else definition.options.timeout
        ready_at = now + arguments.seconds(options.delay, "delay")
        return base.NewWorkflow(
            id=arguments.check_id(options.id) if options.id is not None else str(uuid.uuid4()),
            workflow=definition.name,
            input=payload,
            queue=arguments.check_name(options.queue or definition.options.queue, "queue"),
            priority=arguments.check_priority(options.priority),
            key=arguments.check_key(options.key),
            ready_at=ready_at,
            deadline=None if timeout is None else now + arguments.positive(timeout, "timeout"),
            owner=owner,
            lease_until=None if owner is None else now + self.settings.lease_seconds,
        )

    def _drive(self, workflow_id: str) -> Any:
        return inline.drive(self.runtime, workflow_id, self._owner())

    def _owner(self) -> str:
        rt = self.runtime
        with self._lock:
            if self._inline_owner is None:
                self._inline_owner = rt.new_owner("run")
            return self._inline_owner

    def worker(self, concurrency: int = 16, queues: Sequence[str] | None = None) -> worker.Worker:
        """A worker of this app: `with app.worker(...):` in the background, or `.run()`.

        Without `queues=` it serves `default`, every queue declared with `app.queue(...)` and
        every queue a registered workflow starts on by default (`@app.workflow(queue=...)`)
        or a router starts lanes on (`queue_of=`); naming `queues=` restricts it to those.
        """
        if queues is None:
            queues = self.served_queues()
        w = worker.Worker(self.runtime, concurrency=concurrency, queues=queues)
        self._workers.append(w)
        return w

    def served_queues(self) -> list[str]:
        """The queues a worker without `queues=` serves: `default`, declared, workflows' own.

        The lanes' queues of every router (`queue_of=`) count as declared.
        """
        names = ["default", *self._queues, *self._routed_queues]
        names += [d.options.queue for d in list(self.registry.workflows.values())]
        return list(dict.fromkeys(names))

    def publish(
        self, topic: str, payload: Any = None, key: str | None = None, id: str | None = None
    ) -> str:
        """Store an event durably and start its on_event workflows; return the event id.

        The same `id` again is the same event (nothing more happens). Inside a workflow or
        a step the publish is exactly-once with its checkpoint (see podium.patterns.events).
        """
        return events_mod.publish(self.runtime, topic, payload, key=key, id=id)

    def send_task_success(self, token: str, output: Any = None) -> None:
        """Complete the `.waitForTaskToken` Task holding `token`; `output` is its result.

        A token of no workflow raises podium.asl.tokens.InvalidToken, of an ended one
        TaskTimedOut. The first success or failure sent for a token is the one that counts.
        """
        from podium.asl import tokens

        tokens.send(self.runtime, token, tokens.success(output))

    def send_task_failure(self, token: str, error: str = "", cause: str = "") -> None:
        """Fail the `.waitForTaskToken` Task holding `token` with the ASL `error` and `cause`."""
        from podium.asl import tokens

        tokens.send(self.runtime, token, tokens.failure(error, cause))

    def send_task_heartbeat(self, token: str) -> None:
        """Report that the work of the Task holding `token` goes on (resets HeartbeatSeconds)."""
        from podium.asl import tokens

        tokens.send(self.runtime, token, tokens.heartbeat())

    # -- queues and schedules --------------------------------------------------------------

    def queue(
        self,
        name: str,
        concurrency: int | None = None,
        per_key_concurrency: int | None = None,
        rate_limit: tuple[int, float] | None = None,
        max_depth: int | None = None,
        priority: bool = True,
    ) -> queues_mod.QueueConfig:
        """Declare a queue's limits, enforced across all workers (see podium.patterns.queues).

        `concurrency` running at once, `per_key_concurrency` per start `key=`, `rate_limit=(n,
        seconds)` first starts per window, `max_depth` pending before `start` raises QueueFull.
        """
        config = queues_mod.define(
            name, concurrency, per_key_concurrency, rate_limit, max_depth, priority
        )
        self._queues[name] = config
        if self._runtime is not None:
            queues_mod.sync(self._runtime, {name: config})
        return config

    def queue_stats(self, name: str) -> queues_mod.QueueStats:
        """Depth, running, oldest pending age and throughput of queue `name` now."""
        return queues_mod.stats(self.runtime, arguments.check_name(name, "queue"))

    def schedules(self) -> list[schedule_mod.ScheduleInfo]:
        """Every schedule stored in this app's store, with its next run and pause state."""
        return schedule_mod.listing(self.runtime.store)

    def pause_schedule(self, name: str) -> None:
        """Stop firing schedule `name` (on every worker) until `resume_schedule`."""
        schedule_mod.pause(self.runtime.store, name, self.runtime.clock.time())

    def resume_schedule(self, name: str) -> None:
        """Fire schedule `name` again from its next tick; ticks missed while paused are skipped."""
        schedule_mod.resume(self.runtime.store, name, self.runtime.clock.time())

    def trigger_schedule(self, name: str) -> workflow_mod.WorkflowHandle:
        """Run schedule `name`'s workflow once now, beside its ticks (which it does not move).

        The run's id is `NAME@manual:TIME`; a one-parameter workflow gets the moment as its
        tick. The workflow must be declared in this app (its signature decides the argument).
        """
        run = schedule_mod.trigger(self.runtime.store, name, self.runtime.clock.time())
        definition = self.registry.workflows.get(run.workflow)
        if definition is None:
            raise errors.ConfigurationError(
                f"schedule {name!r} runs workflow {run.workflow!r}, which app {self.name!r} "
                "does not declare; trigger it from the app that defines it"
            )
        args = (run.tick,) if definition.signature.parameters else ()
        return self.start(definition, *args, id=run.id, queue=run.queue)

    def pause_queue(self, name: str) -> None:
        """Stop every worker claiming from queue `name` (runs in progress go on)."""
        pausing.pause_queue(self.runtime, name)

    def resume_queue(self, name: str) -> None:
        """Claim from queue `name` again after `pause_queue`."""
        pausing.resume_queue(self.runtime, name)

    def paused_queues(self) -> list[str]:
        """The names of the queues paused in this app's store."""
        return pausing.paused_queues(self.runtime)

    # -- intelligence ----------------------------------------------------------------------

    def telemetry(
        self,
        *,
        flush_interval: float = 10.0,
        retention: float = 7 * 86400.0,
        score: bool = True,
        workers: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        """Collect per-minute telemetry (see podium.patterns.telemetry); call before workers.

        Every `flush_interval` seconds each worker's process writes its rollups, and (with
        `score`) one process scores complete minutes for anomalies. `retention` seconds are
        kept. `workers={queue: (min, max)}` bounds `scaling()`'s advice.
        """
        settings = telemetry_mod.TelemetrySettings(flush_interval, retention, score)
        self._worker_bounds = insight.check_bounds(workers or {})
        self._telemetry_settings = settings
        self._replug()

    def anomalies(
        self, since: dt.datetime | float | None = None, limit: int = 100
    ) -> list[insight.Anomaly]:
        """Stored anomalies of the telemetry series at or after `since`, newest first."""
        return insight.anomalies(self.runtime, since, limit)

    def scaling(self) -> dict[str, insight.ScalingAdvice]:
        """Scaling advice for every served queue (see podium.patterns.insight)."""
        rt = self.runtime
        return insight.scaling(rt, self._telemetry, self.served_queues(), self._worker_bounds)

    def remediate(
        self,
        name: str,
        *,
        when: remediation.Condition,
        do: remediation.Do,
        cooldown: float = 300.0,
        dry_run: bool = False,
    ) -> remediation.Rule:
        """Declare a rule: when `when(signals)` holds, do `do` (see podium.patterns.remediation).

        One process in the cluster evaluates it every few seconds beside the workers; it acts
        at most once per `cooldown` seconds; `dry_run=True` records the decision only.
        """
        rule = remediation.define(name, when, do, cooldown, dry_run)
        self.rules.add(rule)
        self._replug()
        return rule

    def tick(self) -> remediation.Round:
        """Run one round of this process's self-driving services now; what it found and did.

        Workers do this on their own every few seconds: flush telemetry, count arrivals,
        score complete minutes for anomalies, evaluate the remediation rules. Call it to
        drive a simulation under a fake clock (`podium.testing.TestEnv`), or from a process
        that runs no worker.
        """
        rt = self.runtime
        found = self._telemetry.tick() if self._telemetry is not None else []
        made = remediation.Evaluator(rt, self.rules, self.served_queues).tick()
        return remediation.Round(found, made)

    def remediations(self, limit: int = 100) -> list[remediation.Decision]:
        """The audited decisions of the remediation rules, newest first."""
        return remediation.decisions(self.runtime, limit)

    def router(
        self,
        name: str,
        *,
        score: object,
        lanes: dict[str, tuple[float, float]] | Sequence[str] | None = None,
        queue_of: dict[str, str] | None = None,
        priority_of: dict[str, int] | None = None,
        reward: learning.Reward | None = None,
    ) -> routing.Router:
        """A router starting items in a lane (queue, priority) by score; see patterns.routing.

        With `score=BanditRouter(lanes)` the lanes are chosen by the bandit, which learns
        from the routed workflows' outcomes (`reward(succeeded, seconds)`; see
        patterns.learning).
        """
        learner = None
        if learning.is_bandit(score):
            learner = learning.Learner(name, score, reward, lambda: self.runtime)  # type: ignore[arg-type]
        elif reward is not None:
            raise errors.ConfigurationError(
                "reward= is for a learned router: pass score=BanditRouter([...lanes])"
            )
        made = routing.Router(
            name, score, lanes, queue_of, priority_of, self.start, self._exists, learner
        )
        self._routed_queues.update(dict.fromkeys(made.queue_of.values()))
        if learner is not None:
            queues = learning.lane_queues(made.names, queue_of)
            self._learners[made.name] = (learner, queues)
            self._replug()
        return made

    def _exists(self, workflow_id: str) -> bool:
        return self.runtime.store.get_workflow(workflow_id) is not None

    # -- inspecting and steering -----------------------------------------------------------

    def get(self, workflow_id: str) -> workflow_mod.WorkflowHandle:
        """The handle of an existing workflow; WorkflowNotFound if there is none."""
        if self.runtime.store.get_workflow(workflow_id) is None:
            raise errors.WorkflowNotFound(workflow_id)
        return workflow_mod.WorkflowHandle(self.runtime, workflow_id)

    def list(
        self,
        status: str | None = None,
        workflow: str | None = None,
        limit: int = 50,
        *,
        queue: str | None = None,
        offset: int = 0,
        search: dict[str, Any] | None = None,
    ) -> list[base.WorkflowInfo]:
        """Workflows matching the filters, newest first (`search=`: each attribute equal)."""
        if status is not None and status not in STATUSES:
            raise errors.ConfigurationError(
                f"status={status!r} is not one of {', '.join(STATUSES)}"
            )
        arguments.check_int(limit, "limit", minimum=1)
        arguments.check_int(offset, "offset", minimum=0)
        if search is not None:
            return search_mod.listing(
                self.runtime.store, search, status, workflow, queue, limit, offset
            )
        records = self.runtime.store.list_workflows(
            status=status, workflow=workflow, queue=queue, limit=limit, offset=offset
        )
        return [r.info() for r in records]

    def cancel(self, workflow_id: str) -> None:
        """Cancel an unfinished workflow."""
        self.get(workflow_id).cancel()

    def search_attributes(self, workflow_id: str) -> dict[str, Any]:
        """The search attributes of a workflow ({} when it has none)."""
        return search_mod.attributes(self.runtime.store, workflow_id)

    def cancel_many(
        self,
        *,
        status: str | None = None,
        workflow: str | None = None,
        queue: str | None = None,
        search: dict[str, Any] | None = None,
    ) -> int:
        """Cancel every unfinished workflow matching `list()`'s filters; return how many."""
        cancelled = self._many(bulk.cancel_many, bulk.Filters(status, workflow, queue, search))
        for workflow_id in cancelled:
            self.runtime.notifier.run_ended(workflow_id)
        return len(cancelled)

    def resume_many(
        self,
        *,
        status: str | None = None,
        workflow: str | None = None,
        queue: str | None = None,
        search: dict[str, Any] | None = None,
    ) -> int:
        """Resume every failed or cancelled workflow matching the filters; return how many."""
        return self._ready(
            self._many(bulk.resume_many, bulk.Filters(status, workflow, queue, search))
        )

    def pause_many(
        self,
        *,
        status: str | None = None,
        workflow: str | None = None,
        queue: str | None = None,
        search: dict[str, Any] | None = None,
    ) -> int:
        """Pause every unfinished workflow matching the filters; return how many it paused."""
        return len(self._many(bulk.pause_many, bulk.Filters(status, workflow, queue, search)))

    def unpause_many(
        self,
        *,
        status: str | None = None,
        workflow: str | None = None,
        queue: str | None = None,
        search: dict[str, Any] | None = None,
    ) -> int:
        """Unpause every paused workflow matching the filters; return how many."""
        return self._ready(
            self._many(bulk.unpause_many, bulk.Filters(status, workflow, queue, search))
        )

    def _many(self, verb: bulk.Verb, filters: bulk.Filters) -> bulk.Ids:
        """Apply the bulk `verb` to the workflows `filters` select; the ids it changed."""
        return verb(self.runtime.store, filters, self.runtime.clock.time())

    def _ready(self, ids: bulk.Ids) -> int:
        """Tell this process's workers that `ids` may run now; how many there are."""
        if ids:
            self.runtime.notifier.work_available()
        return len(ids)

    def resume(self, workflow_id: str) -> workflow_mod.WorkflowHandle:
        """Re-run a failed or cancelled workflow from its first unfinished step."""
        rt = self.runtime
        record = rt.store.get_workflow(workflow_id)
        if record is None:
            raise errors.WorkflowNotFound(workflow_id)
        if record.status not in ("failed", "cancelled"):
            raise errors.ConfigurationError(
                f"workflow {workflow_id!r} is {record.status}; only failed or cancelled "
                "workflows can be resumed"
            )
        rt.store.resume(workflow_id, rt.clock.time())
        rt.notifier.work_available()
        return workflow_mod.WorkflowHandle(rt, workflow_id)

    def fork(
        self, workflow_id: str, *, from_step: int, id: str | None = None
    ) -> workflow_mod.WorkflowHandle:
        """Copy a finished workflow's history before position `from_step` into a new workflow.

        The copy replays those positions and runs the rest with today's code (see
        `podium.patterns.versions.fork`); returns the new workflow's handle.
        """
        new_id = versions_mod.fork(self.runtime, workflow_id, from_step=from_step, id=id)
        return workflow_mod.WorkflowHandle(self.runtime, new_id)

    def _definition(self, workflow: definitions.Workflow | str) -> definitions.Workflow:
        if isinstance(workflow, str):
            return self.registry.workflow(workflow)
        if isinstance(workflow, workflow_mod.WorkflowDefinition):
            if self.registry.workflows.get(workflow.name) is not workflow:
                raise errors.ConfigurationError(
                    f"workflow {workflow.name!r} is not registered with app {self.name!r}; "
                    "decorate it with this app's @app.workflow"
                )
            return workflow
        raise errors.ConfigurationError(
            f"{workflow!r} is not a workflow; pass a function decorated with @app.workflow "
            "or its name"
        )
