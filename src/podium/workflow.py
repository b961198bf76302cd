"""`@app.workflow`: definitions, the handle to a started workflow, and its status values."""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
from collections.abc import Callable
from typing import Any, ClassVar, Generic, ParamSpec, TypeVar

from podium import arguments, errors, serialization, validation
from podium.engine.runtime import Runtime
from podium.patterns import interact, messages, pausing
from podium.patterns import retry as retry_mod
from podium.store import base, children

P = ParamSpec("P")
R = TypeVar("R")


class WorkflowStatus(enum.StrEnum):
    """Where a workflow stands; compares equal to the plain strings."""

    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclasses.dataclass(frozen=True)
class WorkflowOptions:
    """Defaults for every run of a workflow: its queue, step retry policy and timeout."""

    queue: str = "default"
    retry: retry_mod.RetryPolicy | None = None
    timeout: float | None = None
    on_event: tuple[str, ...] = ()
    """Topic patterns whose events each start one run (see podium.patterns.events)."""
    redact: tuple[str, ...] = ()
    """Paths of sensitive values in its input, output and step results (see podium.redaction)."""
    retention: float | None = None
    """Seconds a finished run is kept before workers purge it (see podium.patterns.retention)."""

    def __post_init__(self) -> None:
        arguments.check_name(self.queue, "queue")
        arguments.check_retry(self.retry)
        arguments.check_timeout(self.timeout)
        arguments.check_retention(self.retention)


class WorkflowDefinition(Generic[P, R]):
    """A registered workflow. Start it with `app.start`/`app.run`; calling it runs it plainly."""

    timeout_error_type: ClassVar[str] = "TimeoutError"
    """The error type a run past its deadline fails with (ASL workflows: States.Timeout)."""

    def __init__(self, fn: Callable[P, R], name: str, options: WorkflowOptions) -> None:
        self.fn = fn
        self.name = name
        self.options = options
        self.is_async = inspect.iscoroutinefunction(fn)
        self.signature = inspect.signature(fn)
        self._arity = _plain_arity(self.signature)
        self.checker = validation.Checker(fn, f"workflow {name!r}")
        """Checks starts' arguments against the type hints (see podium.validation)."""
        self.handlers = interact.Handlers(name)
        """Its query and update handlers (see podium.patterns.interact)."""
        functools.update_wrapper(self, fn)

    def __repr__(self) -> str:
        return f"<podium workflow {self.name!r}>"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call the function directly (not durable)."""
        return self.fn(*args, **kwargs)

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Check that `args`/`kwargs` fit the signature; TypeError names the workflow."""
        if not kwargs and len(args) == self._arity:
            return  # one positional argument per parameter: nothing to check
        try:
            self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"workflow {self.name!r}{self.signature}: {exc}") from None

    def validate(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The arguments checked against the type hints; ValidationError names each field."""
        return self.checker.call(args, kwargs)

    def parameter_names(self) -> list[str]:
        """Positional parameter names, for error messages."""
        return list(self.signature.parameters)

    def query(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a query: `@wf.query("progress") def progress(state): ...` (read-only)."""
        return self.handlers.declare("query", name, None)

    def update(
        self, name: str, *, validator: Callable[..., Any] | None = None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare an update: `@wf.update("add", validator=check) def add(state, item): ...`.

        The handler changes the state in place and returns the caller's answer; the
        validator (same arguments) raises to reject the update before anything is written.
        """
        return self.handlers.declare("update", name, validator)


def _plain_arity(signature: inspect.Signature) -> int | None:
    """How many parameters, when each takes one positional argument; None otherwise.

    None for `*args`, `**kw` or keyword-only parameters. A call with exactly that many
    positional arguments binds, so `bind` need not ask `inspect` (microseconds per start).
    """
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = signature.parameters.values()
    return len(params) if all(p.kind in kinds for p in params) else None


class WorkflowHandle:
    """A reference to a stored workflow by id: inspect it, wait for it, cancel it."""

    def __init__(self, runtime: Runtime, workflow_id: str) -> None:
        self._rt = runtime
        self.id = workflow_id

    def __repr__(self) -> str:
        return f"<WorkflowHandle {self.id!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkflowHandle) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def _record(self) -> base.WorkflowRecord:
        record = self._rt.store.get_workflow(self.id)
        if record is None:
            raise errors.WorkflowNotFound(self.id)
        return record

    def info(self) -> base.WorkflowInfo:
        """The listing record of this workflow."""
        return self._record().info()

    def status(self) -> WorkflowStatus:
        """Its current status."""
        return WorkflowStatus(self._record().status)

    def result(self, timeout: float | None = None) -> Any:
        """Wait for the end and return the result.

        Raises WorkflowFailed, WorkflowCancelled, or TimeoutError after `timeout` seconds.
        """
        return outcome(self._rt.wait_for_end(self.id, timeout))

    def cancel(self) -> None:
        """Cancel it if it has not finished; a running step completes, nothing more runs.

        Its unfinished children (submitted steps, child workflows) are cancelled with it.
        """
        if children.cancel(self._rt.store, self.id, self._rt.clock.time()) is None:
            raise errors.WorkflowNotFound(self.id)
        self._rt.notifier.run_ended(self.id)
        self._rt.notifier.work_available()  # a parent it woke

    def send(self, topic: str, payload: Any = None, *, id: str | None = None) -> str:
        """Send a message to this workflow (`podium.receive(topic)` gets it); return its id.

        Delivered exactly once, in order per topic; the same `id` again is the same message.
        """
        return messages.send(self._rt, self.id, topic, payload, id=id)

    def query(self, name: str, arg: Any = None) -> Any:
        """Answer query `name` from the workflow's latest state (no worker, no step)."""
        return interact.query(self._rt, self.id, name, arg)

    def update(
        self, name: str, arg: Any = None, *, timeout: float | None = 60.0, id: str | None = None
    ) -> Any:
        """Apply update `name` with `arg` durably and return its answer (see interact.update)."""
        return interact.update(self._rt, self.id, name, arg, timeout=timeout, id=id)

    def pause(self) -> bool:
        """Start no new step until `unpause()`; False when it was paused already."""
        return pausing.pause(self._rt, self.id)

    def unpause(self) -> bool:
        """Let a paused workflow run again; False when it was not paused."""
        return pausing.unpause(self._rt, self.id)


def outcome(record: base.WorkflowRecord) -> Any:
    """The result of a finished workflow, or the error it ended with."""
    if record.status == WorkflowStatus.COMPLETED:
        return serialization.loads(record.output)
    if record.status == WorkflowStatus.CANCELLED:
        raise errors.WorkflowCancelled(record.id)
    raise errors.WorkflowFailed(
        record.id,
        # An ASL Fail state without Error ends with "", which stays "".
        "Error" if record.error_type is None else record.error_type,
        record.error_message or "",
        record.error_traceback,
    )
