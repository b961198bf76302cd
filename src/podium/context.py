"""The current execution, and the workflow-only helpers that read it.

A worker sets a ContextVar while it runs a workflow (and another while a step runs), so
`podium.now()`, `random()`, `uuid4()`, `sleep()` and `idempotency_key()` find the run they
belong to without being passed anything. Recorded values are replayed from history.

`Run` is the one API of a running workflow that helpers and patterns use (the executor
implements it); `current` returns it with a clear error outside a workflow.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import datetime as dt
import random as _random
import time as _time
import uuid as _uuid
from collections.abc import Callable, Generator, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

from podium import definitions, errors
from podium.engine import runtime as runtime_mod
from podium.store import base

T = TypeVar("T")
B = TypeVar("B", bound="Batch")


class Position(NamedTuple):
    """A history position a run took, and what the history recorded there (None: new).

    A NamedTuple rather than a frozen dataclass: one is made for every step and wait.
    """

    seq: int
    kind: str
    name: str
    recorded: base.HistoryEvent | None


class Batch(Protocol):
    """Writes a pattern holds back to commit together at the run's next durable point."""

    def commit(self, fence: base.Fence, now: float) -> Sequence[base.HistoryEvent]:
        """Write everything held, fenced by `fence`, in one transaction.

        Returns the history rows written, which the run adds to what it has seen.
        """
        ...


class Run(Protocol):
    """The workflow execution in progress, as workflow-only helpers and patterns see it.

    A pattern takes the next history position, looks at what was recorded there, and either
    replays that or does its work and commits an event at the position. Every write goes
    through the run, fenced by its lease, so a pattern cannot get fencing wrong; a store
    fault hands the workflow back instead of failing it.
    """

    is_async: bool

    @property
    def runtime(self) -> runtime_mod.Runtime:
        """The engine this run belongs to (store, clock, settings, registry, notifier)."""
        ...

    @property
    def workflow(self) -> base.WorkflowRecord:
        """The workflow being run, as it was when this run claimed it."""
        ...

    def take(self, kind: str, name: str, *, check: bool = True) -> Position:
        """Take the next position; NonDeterminismError if the history holds something else.

        When the position is new and `check` is set, the run first makes held-back writes
        durable and stops if the worker is shutting down or the workflow's deadline passed;
        a pattern that only holds writes back (fan-out's submits) passes `check=False`.
        """
        ...

    def upcoming(self) -> base.HistoryEvent | None:
        """What the history recorded at the next position, without taking it (None: new).

        For helpers whose call may be absent from an older history (`podium.patched`).
        """
        ...

    def commit(
        self,
        position: Position,
        payload: str | None,
        *,
        status: str = "completed",
        started: float | None = None,
        via: Callable[[base.Fence, base.HistoryEvent], object] | None = None,
    ) -> base.HistoryEvent:
        """Record the outcome of new `position` in history, fenced; return the event.

        `via` commits the history row in a transaction of its own together with other
        writes (the outbox of publish and send); it gets the fence and the row to write.
        """
        ...

    def guarded(self, call: Callable[[], T]) -> T:
        """Run a store call for this run: a lost lease stops the run, a fault hands it back."""
        ...

    def batch(self, kind: type[B], make: Callable[[], B]) -> B:
        """The open batch of held-back writes of `kind`, or a new one from `make()`.

        An open batch of another kind is committed first, so writes keep their order.
        """
        ...

    def recorded(self, kind: str, name: str) -> list[base.HistoryEvent]:
        """The events of `kind` and `name` the history holds so far, in position order."""
        ...

    def time(self) -> float:
        """The engine clock's current time (a fake clock in tests)."""
        ...

    def record(self, kind: str, make: Callable[[], Any]) -> Any:
        """Return the value recorded at the next position, or record `make()` there."""
        ...

    def timer(self, seconds: float) -> float:
        """Record (or replay) a durable timer; return seconds still to wait in this thread."""
        ...

    def wait_until(self, moment: float) -> float:
        """Seconds left until `moment` if short; for a long wait, unload the workflow."""
        ...

    def pause(self, seconds: float) -> None:
        """Block this thread for a short wait (fake clocks advance instead)."""
        ...

    def call_step(
        self, step: definitions.Step, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Run or replay a step at the next position."""
        ...


@dataclasses.dataclass(frozen=True, init=False)
class StepContext:
    """Facts about the step attempt running now."""

    workflow_id: str
    position: int
    step: str
    attempt: int

    def __init__(self, workflow_id: str, position: int, step: str, attempt: int) -> None:
        # The generated __init__ of a frozen dataclass calls object.__setattr__ per field,
        # several times the cost of these stores; one is made for every step attempt.
        fields = self.__dict__
        fields["workflow_id"] = workflow_id
        fields["position"] = position
        fields["step"] = step
        fields["attempt"] = attempt

    def evolve(self, **changes: Any) -> StepContext:
        """Return a copy with `changes`."""
        return dataclasses.replace(self, **changes)

    @property
    def idempotency_key(self) -> str:
        """Stable across attempts and replays of this step; distinct between steps."""
        return f"{self.workflow_id}/{self.position}/{self.step}"


current_run: contextvars.ContextVar[Run | None] = contextvars.ContextVar("podium_run", default=None)
current_step: contextvars.ContextVar[StepContext | None] = contextvars.ContextVar(
    "podium_step", default=None
)


def current(helper: str, hint: str = "call it in an @app.workflow function (not in a step)") -> Run:
    """The run of the workflow body executing now; outside one, a PodiumError with `hint`."""
    run = current_run.get()
    if run is None:
        raise errors.PodiumError(f"podium.{helper}() was called outside a workflow body; {hint}")
    return run


def _run(helper: str) -> Run | None:
    run = current_run.get()
    if run is None and current_step.get() is None:
        raise errors.PodiumError(
            f"podium.{helper}() was called outside a workflow; call it inside an "
            "@app.workflow function (or a step it calls)"
        )
    return run


def now() -> dt.datetime:
    """The current UTC time, recorded on first run and replayed after (deterministic)."""
    run = _run("now")
    stamp = _time.time() if run is None else run.record("now", run.time)
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC)


def random() -> float:
    """A float in [0, 1), recorded and replayed."""
    run = _run("random")
    return _random.random() if run is None else float(run.record("random", _random.random))


def uuid4() -> _uuid.UUID:
    """A random UUID, recorded and replayed."""
    run = _run("uuid4")
    if run is None:
        return _uuid.uuid4()
    return _uuid.UUID(run.record("uuid4", lambda: str(_uuid.uuid4())))


class Pause:
    """What `sleep` returns: awaitable in async workflows, already waited in sync ones."""

    def __init__(self, remaining: float) -> None:
        self.remaining = remaining

    def __await__(self) -> Generator[Any, None, None]:
        if self.remaining > 0:
            yield from asyncio.sleep(self.remaining).__await__()


class Ready:
    """An awaitable of a value already known: what waits return in `async def` workflows."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        yield from ()
        return self.value


def ready(run: Run, value: Any) -> Any:
    """`value` as a wait returns it to `run`'s workflow: awaitable in an `async def` one."""
    return Ready(value) if run.is_async else value


def sleep(seconds: float | dt.timedelta) -> Pause:
    """Durable timer: survives restarts; a long sleep unloads the workflow instead of a thread.

    In an `async def` workflow write `await podium.sleep(...)`.
    """
    if isinstance(seconds, dt.timedelta):
        seconds = seconds.total_seconds()
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise errors.ConfigurationError(
            f"podium.sleep({seconds!r}): pass a number of seconds >= 0 or a timedelta"
        )
    run = _run("sleep")
    if run is None:
        _time.sleep(seconds)
        return Pause(0.0)
    remaining = run.timer(float(seconds))
    if run.is_async:
        return Pause(remaining)
    run.pause(remaining)
    return Pause(0.0)


def sleep_until(moment: dt.datetime) -> Pause:
    """Durable timer until a timezone-aware datetime; a moment already past returns at once.

    The fire time is recorded on the first run, so a replay waits for the same moment. In an
    `async def` workflow write `await podium.sleep_until(...)`.
    """
    target = _moment(moment, "sleep_until")
    run = _run("sleep_until")
    if run is None:
        _time.sleep(max(0.0, target - _time.time()))
        return Pause(0.0)
    remaining = run.timer(max(0.0, target - run.time()))
    if run.is_async:
        return Pause(remaining)
    run.pause(remaining)
    return Pause(0.0)


def deadline(timeout: float | dt.timedelta | dt.datetime | None, now: float) -> float | None:
    """The epoch deadline of a wait's `timeout=`: seconds, a timedelta, or an aware datetime.

    Waits (`wait_for_event`, `receive`, ...) accept a timeout the way `sleep`/`sleep_until`
    accept a duration or a moment; None means no deadline.
    """
    if timeout is None:
        return None
    if isinstance(timeout, dt.datetime):
        return _moment(timeout, "timeout")
    seconds = timeout.total_seconds() if isinstance(timeout, dt.timedelta) else timeout
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise errors.ConfigurationError(
            f"timeout={timeout!r}: pass seconds >= 0, a timedelta or a timezone-aware datetime"
        )
    return now + float(seconds)


def _moment(value: Any, what: str) -> float:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise errors.ConfigurationError(
            f"{what}({value!r}): pass a timezone-aware datetime, e.g. "
            "datetime(2030, 1, 1, 9, 0, tzinfo=ZoneInfo('Europe/Berlin'))"
        )
    return value.timestamp()


def idempotency_key() -> str:
    """A key that is the same on every attempt and replay of the calling step.

    Pass it to external APIs (a payment provider) so a retried call takes effect once.
    """
    step = current_step.get()
    if step is None:
        raise errors.PodiumError(
            "podium.idempotency_key() was called outside a step; call it inside an "
            "@app.step function that a workflow calls"
        )
    return step.idempotency_key
