"""The PodiumError tree users catch, and the BaseException signals the engine uses internally.

Every user-facing message says what happened, to which workflow or step, and what to do.
"""

from __future__ import annotations


class PodiumError(Exception):
    """Root of every error podium raises on purpose."""


class ConfigurationError(PodiumError):
    """A setting, URL, definition or missing extra is wrong; the message names it and the fix."""


class StoreUnavailable(ConfigurationError):
    """The database did not answer (down, restarting, unreachable): trying again may work.

    A `ConfigurationError` for callers that do not tell them apart; `podium worker` waits
    and retries instead of exiting. A database that answers and refuses (no such database,
    a wrong password) is a plain `ConfigurationError`.
    """


class SerializationError(PodiumError):
    """A value cannot be stored: it is not in the JSON family or it is too large."""


class PayloadTooLarge(SerializationError):
    """A payload is over `max_payload_bytes`; nothing was written.

    `what` names the payload (the workflow's arguments, a step's result), `size` and `limit`
    are in bytes as serialized. A value far over the limit is refused before it is
    serialized (serializing it would cost its size again in memory): then `at_least` is
    True and `size` is a lower bound, counted up to just past the limit.
    """

    def __init__(self, what: str, size: int, limit: int, *, at_least: bool = False) -> None:
        self.what = what
        self.size = size
        self.limit = limit
        self.at_least = at_least
        amount = f"at least {size:,}" if at_least else f"{size:,}"
        super().__init__(
            f"{what} is {amount} bytes serialized, over the payload limit of {limit:,}; "
            "store large data elsewhere and pass a reference, or raise max_payload_bytes"
        )


class ValidationError(PodiumError):
    """A value does not fit its declared type: a workflow's input at start, a step's result.

    `errors` lists `(field, problem)` pairs; nothing was written.
    """

    def __init__(self, what: str, problems: list[tuple[str, str]]) -> None:
        self.what = what
        self.errors = list(problems)
        listed = "; ".join(f"{field}: {problem}" for field, problem in self.errors[:10])
        more = f" (and {len(self.errors) - 10} more)" if len(self.errors) > 10 else ""
        super().__init__(
            f"{what} does not match its type hints: {listed}{more}; pass values of the "
            "declared types (or change the annotations)"
        )


class WorkflowNotFound(PodiumError):
    """No workflow with this id exists in the store."""

    def __init__(self, workflow_id: str) -> None:
        self.workflow_id = workflow_id
        super().__init__(
            f"no workflow with id {workflow_id!r} in this store; "
            "check the id (podium ls lists them, --children for child workflows) and the "
            "database URL"
        )


class NonDeterminismError(PodiumError):
    """A replay called something other than what the history recorded at a position."""

    def __init__(
        self, workflow_id: str, workflow: str, position: int, recorded: str, called: str
    ) -> None:
        self.workflow_id = workflow_id
        self.workflow = workflow
        self.position = position
        self.recorded = recorded
        self.called = called
        super().__init__(
            f"workflow {workflow!r} (id {workflow_id!r}) is not deterministic: at position "
            f"{position} its history recorded {recorded} but the replay called {called}. "
            "Code outside steps must make the same calls in the same order on every run; "
            "use podium.now()/random()/uuid4() instead of the clock or random module, "
            "and deploy code changes only for new workflows."
        )


class HistoryLimitExceeded(PodiumError):
    """A run reached the history cap (`max_history_events`); the workflow fails with this."""

    def __init__(self, workflow_id: str, workflow: str, limit: int) -> None:
        self.workflow_id = workflow_id
        self.workflow = workflow
        self.limit = limit
        super().__init__(
            f"workflow {workflow!r} (id {workflow_id!r}) reached the history cap of {limit} "
            "events; a workflow that loops for ever should end each round with "
            "podium.continue_as_new(...) to start a fresh history, or raise the cap with "
            "App(max_history_events=...) / PODIUM_MAX_HISTORY_EVENTS"
        )


class WorkflowFailed(PodiumError):
    """A workflow ended with an error; carries the remote error's type, message and traceback."""

    def __init__(
        self, workflow_id: str, error_type: str, message: str, traceback: str | None = None
    ) -> None:
        self.workflow_id = workflow_id
        self.error_type = error_type
        self.message = message
        self.traceback = traceback
        named = error_type or "an error without a name"
        super().__init__(f"workflow {workflow_id!r} failed with {named}: {message}")


class WorkflowCancelled(PodiumError):
    """The workflow was cancelled before it finished."""

    def __init__(self, workflow_id: str) -> None:
        self.workflow_id = workflow_id
        super().__init__(
            f"workflow {workflow_id!r} was cancelled; app.resume({workflow_id!r}) runs it again "
            "from its first unfinished step"
        )


class StepTimeout(PodiumError):
    """A step attempt ran longer than its `timeout=`; counts as a failed attempt."""

    def __init__(self, step: str, timeout: float) -> None:
        self.step = step
        self.timeout = timeout
        super().__init__(
            f"step {step!r} did not finish within its timeout of {timeout:g}s; "
            "raise timeout= on the step or give it a RetryPolicy"
        )


class StepRefused(PodiumError):
    """A step-attempt wrapper refused to run the step: the attempt failed without running.

    Retry policies wait `retry_after` seconds and try again without counting the refusal
    as an attempt (the step did not run); see `refusals`.
    """

    retry_after: float = 0.0


def refusals() -> frozenset[str]:
    """The type names of every `StepRefused` error, as failed attempts record them."""
    found: set[str] = set()
    pending: list[type[StepRefused]] = [StepRefused]
    while pending:
        cls = pending.pop()
        found.add(cls.__qualname__)
        pending.extend(cls.__subclasses__())
    return frozenset(found)


class CircuitOpenError(StepRefused):
    """A step guarded by an open circuit breaker was refused without running."""

    def __init__(self, breaker: str, retry_after: float = 0.0) -> None:
        self.breaker = breaker
        self.retry_after = retry_after
        super().__init__(
            f"circuit breaker {breaker!r} is open; calls fail fast for another "
            f"{retry_after:.1f}s while the dependency recovers"
        )


class CompensationFailed(PodiumError):
    """A saga compensation gave up; carries the original error and the compensation's error."""

    def __init__(self, step: str, original: BaseException | None, error: BaseException) -> None:
        self.step = step
        self.original = original
        self.error = error
        after = ""
        if original is not None:
            after = f" (undoing after {type(original).__name__}: {original})"
        super().__init__(
            f"compensation of step {step!r} failed with {type(error).__name__}: {error}{after}; "
            "the workflow needs attention (fix the cause, then podium resume)"
        )


class QueueFull(PodiumError):
    """A queue is at its `max_depth`; nothing was written."""

    def __init__(self, queue: str, max_depth: int) -> None:
        self.queue = queue
        self.max_depth = max_depth
        super().__init__(
            f"queue {queue!r} holds its max_depth of {max_depth} pending workflows; "
            "retry later or raise max_depth"
        )


class WorkflowEnded(PodiumError):
    """An operation that needs an unfinished workflow (update, pause) met a finished one."""

    def __init__(self, workflow_id: str, status: str, action: str) -> None:
        self.workflow_id = workflow_id
        self.status = status
        super().__init__(
            f"cannot {action} workflow {workflow_id!r}: it is {status}; only pending, running "
            "or waiting workflows can be; start a new one (or podium resume a failed one)"
        )


class UnknownHandler(ConfigurationError):
    """A query or update name that the workflow does not declare; nothing was written."""

    def __init__(self, workflow_id: str, workflow: str, kind: str, name: str, known: list[str]):
        self.workflow_id = workflow_id
        listed = ", ".join(repr(k) for k in known) or f"none (declare one with @{workflow}.{kind})"
        super().__init__(
            f"workflow {workflow_id!r} ({workflow!r}) has no {kind} named {name!r}; its "
            f"{kind} names are: {listed}"
        )


class UpdateRejected(PodiumError):
    """An update's validator raised: the update was not applied and nothing was written."""

    def __init__(self, workflow_id: str, update: str, message: str) -> None:
        self.workflow_id = workflow_id
        self.update = update
        self.reason = message
        super().__init__(f"update {update!r} of workflow {workflow_id!r} was rejected: {message}")


class UpdateFailed(PodiumError):
    """An update's handler raised while the workflow applied it; the state is unchanged."""

    def __init__(self, workflow_id: str, update: str, message: str) -> None:
        self.workflow_id = workflow_id
        self.update = update
        super().__init__(
            f"update {update!r} of workflow {workflow_id!r} failed in its handler: {message}; "
            "the workflow's state is unchanged (fix the handler or the argument and retry)"
        )


class QueryFailed(PodiumError):
    """A query's handler raised; `.query` names it (its message quotes the handler's error)."""

    def __init__(self, workflow_id: str, query: str, message: str) -> None:
        self.workflow_id = workflow_id
        self.query = query
        super().__init__(f"query {query!r} of workflow {workflow_id!r} raised {message}")


class InvalidTransition(PodiumError):
    """A state machine event that no transition from the current state accepts."""

    def __init__(self, machine: str, instance: str, state: str, event: str) -> None:
        self.machine = machine
        self.instance = instance
        self.state = state
        self.event = event
        super().__init__(
            f"state machine {machine!r} instance {instance!r} is in state {state!r}, "
            f"which has no transition for event {event!r}; nothing changed"
        )


class StepFailed(PodiumError):
    """A step's recorded failure, replayed when its original exception type is unavailable."""

    def __init__(self, step: str, error_type: str, message: str) -> None:
        self.step = step
        self.error_type = error_type
        self.message = message
        super().__init__(f"step {step!r} failed with {error_type}: {message}")


class LeaseLost(PodiumError):
    """A write was fenced off: another worker owns the workflow now, or it was cancelled."""

    def __init__(self, workflow_id: str) -> None:
        self.workflow_id = workflow_id
        super().__init__(
            f"workflow {workflow_id!r} is no longer owned by this worker "
            "(lease taken over or workflow cancelled); the write was rejected"
        )


class SchemaVersionError(ConfigurationError):
    """The store's schema is newer than this engine understands."""


class EngineSignal(BaseException):
    """Base of the engine's control-flow signals; BaseException so user code cannot swallow it."""


class Suspend(EngineSignal):
    """Unload the workflow until `wake_at` (or until something else wakes it when None)."""

    def __init__(self, wake_at: float | None) -> None:
        super().__init__(wake_at)
        self.wake_at = wake_at


class Release(EngineSignal):
    """The worker is stopping: hand the workflow back so another worker continues it at once."""


class Fenced(EngineSignal):
    """This execution lost its lease; stop without writing anything more."""


class DeadlineExceeded(EngineSignal):
    """The workflow ran past its `timeout=`; it fails with error type TimeoutError."""

    def __init__(self, workflow_id: str, timeout: float) -> None:
        super().__init__(
            f"workflow {workflow_id!r} exceeded its timeout of {round(timeout, 6):g}s; "
            "start it with a longer timeout= or make it finish sooner"
        )


class StoreFault(EngineSignal):
    """A store write failed for a reason other than fencing (connection lost, disk full).

    The run stops and hands its workflow back; the workflow itself does not fail.
    """

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error
