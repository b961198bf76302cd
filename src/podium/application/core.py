"""The core of an `App`: its settings, registry and store, the engine it plugs patterns into.

The verbs users call are in the mixins next to this module (starting, queues, intelligence,
operate); `podium.app.App` puts them together with the definition decorators.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Self

from podium import arguments, config, definitions, errors, registry
from podium import clock as clock_mod
from podium import codecs as codecs_mod
from podium import workflow as workflow_mod
from podium.engine import background, worker
from podium.engine import runtime as runtime_mod
from podium.patterns import circuit as circuit_mod
from podium.patterns import events as events_mod
from podium.patterns import fanout, insight, learning, pausing, remediation, saga
from podium.patterns import queues as queues_mod
from podium.patterns import retention as retention_mod
from podium.patterns import retry as retry_mod
from podium.patterns import schedule as schedule_mod
from podium.patterns import telemetry as telemetry_mod
from podium.store import base, blobs, coded, factory


class AppCore:
    """The state every App verb works on: settings, registry, the runtime and its hooks."""

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
        blob_store: str | blobs.BlobStore | None = None,
        blob_threshold: int = blobs.DEFAULT_THRESHOLD,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise errors.ConfigurationError(f"App name {name!r} must be a non-empty string")
        if "://" in name:  # App("sqlite:///app.db") would name the app and use ./podium.db
            raise errors.ConfigurationError(
                f"App name {name!r} looks like a database URL; the first argument is the "
                f"app's name: write App(database_url={name!r}) (or App('myapp', database_url=...))"
            )
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
        self._claims = (
            None
            if blob_store is None
            else blobs.ClaimChecks(self.codecs, blobs.open_blob_store(blob_store), blob_threshold)
        )
        """Claim checks (`blob_store=`): payloads over `blob_threshold` kept as blobs."""
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

    @property
    def runtime(self) -> runtime_mod.Runtime:
        """The engine side of this app; opens the store on first use."""
        with self._lock:
            if self._runtime is None:
                store = self._store or factory.open_store(self.settings.database_url)
                coder = self._claims or self.codecs
                if coder is not None:
                    store = coded.CodedStore(store, coder)
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
        rt.hooks.add_service(background.PerWorker(schedule_mod.Scheduler, rt))
        rt.hooks.add_service(background.PerWorker(retention_mod.Sweeper, rt))
        rt.hooks.add_step_gate(pausing.Gate(rt))
        rt.hooks.set_claim_check(queues_mod.claim_check(rt))
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def worker(
        self,
        concurrency: int = 16,
        queues: Sequence[str] | None = None,
        *,
        cpu: int | str | None = None,
    ) -> worker.Worker:
        """A worker of this app: `with app.worker(...):` in the background, or `.run()`.

        Without `queues=` it serves `default`, every queue declared with `app.queue(...)` and
        every queue a registered workflow starts on by default (`@app.workflow(queue=...)`)
        or a router starts lanes on (`queue_of=`); naming `queues=` restricts it to those.
        `cpu=` keeps the worker's threads on one CPU (a number, or "auto" to pick one by host
        name and process id): faster hand-offs of the GIL between them, at the price of
        steps' C code that releases the GIL no longer running on several CPUs at once (see
        `podium.engine.affinity`). None, the default, lets the OS place them.
        """
        if queues is None:
            queues = self.served_queues()
        w = worker.Worker(self.runtime, concurrency=concurrency, queues=queues, cpu=cpu)
        self._workers.append(w)
        return w

    def served_queues(self) -> list[str]:
        """The queues a worker without `queues=` serves: `default`, declared, workflows' own.

        The lanes' queues of every router (`queue_of=`) count as declared.
        """
        names = ["default", *self._queues, *self._routed_queues]
        names += [d.options.queue for d in list(self.registry.workflows.values())]
        return list(dict.fromkeys(names))

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

    def _exists(self, workflow_id: str) -> bool:
        return self.runtime.store.get_workflow(workflow_id) is not None
