"""Starting workflows (`start`, `run`), publishing events and answering ASL task tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from podium import arguments, definitions, errors, inline, redaction, serialization
from podium import workflow as workflow_mod
from podium.application import core
from podium.engine import interceptors, worker
from podium.patterns import events as events_mod
from podium.patterns import queues as queues_mod
from podium.patterns import search as search_mod
from podium.store import base


class Starting(core.AppCore):
    """The verbs that create work: start or run a workflow, publish an event, complete a task."""

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
        extras = None  # without search attributes or a debounce: the plain create
        if search is not None or debounce is not None or debounce_max is not None:
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
        try:
            args, kwargs = definition.validate(args, kwargs)
        except errors.ValidationError:
            # A value that could not be stored at all (a set, NaN, too deep, NUL) is named
            # as such first: the SerializationError says which argument and why.
            serialization.dumps_call(
                args,
                kwargs,
                owner=f"workflow {definition.name!r}",
                names=definition.parameter_names(),
                checked=True,
            )
            raise
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
        names = definition.parameter_names()
        payload = serialization.dumps_call(
            args,
            kwargs,
            owner=f"workflow {definition.name!r}",
            names=names,
            limit=self.settings.max_payload_bytes,
            checked=True,
        )
        if definition.options.redact:
            payload = redaction.mark_text(payload, definition.options.redact, names)
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
