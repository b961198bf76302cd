"""Sagas: when an exception leaves `with podium.saga():`, undo its completed steps, newest first.

A step declared with `compensate=undo` pushes `undo(result, *args, **kwargs)` onto the
innermost active saga when it completes, and again when its completion replays from history.
Replay runs the workflow from the top, so every run rebuilds the same stack. Each compensation
is itself a step at the next history position, with its own retry policy: after a crash in
the middle of compensating, the compensations that completed replay instead of running again.

Rules: an error the body catches compensates nothing; a saga that ends well hands its
compensations to the enclosing saga (a later failure there undoes them too); engine signals
(suspend, release, lease lost, deadline), `NonDeterminismError` and `CompensationFailed` pass
through without compensating. The first compensation that gives up stops the unwinding and
raises `CompensationFailed`, so `podium resume` can retry exactly that compensation.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import inspect
from collections.abc import Iterator
from types import TracebackType
from typing import Any, TypeVar

from podium import context, definitions, errors

T = TypeVar("T")
MAX_REASON = 2000

_NOT_COMPENSATED = (errors.CompensationFailed, errors.NonDeterminismError)
"""Errors that leave a saga without compensating: the unwinding already failed or is unsafe."""


@dataclasses.dataclass(frozen=True)
class Compensation:
    """One registered undo: the forward step's name, the compensation and its arguments."""

    step: str
    undo: definitions.Step
    result: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    def call(self) -> Any:
        """Run the compensation (a step: checkpointed inside a workflow)."""
        return self.undo(self.result, *self.args, **self.kwargs)


_active: contextvars.ContextVar[Saga | None] = contextvars.ContextVar("podium_saga", default=None)


Scope = tuple[context.Run | None, context.StepContext | None]


def _scope() -> Scope:
    """Where code runs now: the workflow execution and the step attempt (None when outside)."""
    return (context.current_run.get(), context.current_step.get())


class Saga:
    """A block whose completed steps are compensated in reverse order if an exception leaves it.

    Use `with podium.saga():` (or `async with` in an `async def` workflow, which is needed
    when a compensation is an `async def` step).
    """

    def __init__(self) -> None:
        self.compensations: list[Compensation] = []
        self._scope: Scope = (None, None)
        self._token: contextvars.Token[Saga | None] | None = None

    def __repr__(self) -> str:
        return f"<podium saga: {len(self.compensations)} compensations registered>"

    def owns(self, scope: Scope) -> bool:
        """True when `scope` is the one this saga was entered in (not a step it called)."""
        return scope[0] is self._scope[0] and scope[1] is self._scope[1]

    def push(self, compensation: Compensation) -> None:
        """Register a compensation to run if the block fails."""
        self.compensations.append(compensation)

    def __enter__(self) -> Saga:
        if self._token is not None:
            raise errors.ConfigurationError(
                "this saga is already active; write `with podium.saga():` for each block"
            )
        self.compensations = []
        self._scope = _scope()
        self._token = _active.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        original = self._leave(exc)
        if original is None:
            return
        with self._unwinding(original):
            while self.compensations:
                entry = self.compensations.pop()
                with _giving_up(entry, original):
                    value = entry.call()
                if inspect.isawaitable(value):
                    _discard(value)
                    raise errors.ConfigurationError(
                        f"the compensation of step {entry.step!r} is async; use "
                        "`async with podium.saga():` to run async compensations"
                    ) from original

    async def __aenter__(self) -> Saga:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        original = self._leave(exc)
        if original is None:
            return
        with self._unwinding(original):
            while self.compensations:
                entry = self.compensations.pop()
                with _giving_up(entry, original):
                    value = entry.call()
                    if inspect.isawaitable(value):
                        await value

    @contextlib.contextmanager
    def _unwinding(self, original: Exception) -> Iterator[None]:
        """Record that compensating starts; meanwhile completions register nothing."""
        self._begin(original)
        with _no_saga():
            yield

    def _begin(self, original: Exception) -> None:
        """Record in the history that compensating starts, and why.

        The record also anchors `podium resume` after a compensation gave up: resume drops
        only the failed tail after it, so it retries that compensation, not the failed step.
        """
        run = self._scope[0]
        if run is not None and self.compensations:
            reason = f"{type(original).__name__}: {original}"[:MAX_REASON]
            run.record("saga", lambda: {"compensating": len(self.compensations), "after": reason})

    def _leave(self, exc: BaseException | None) -> Exception | None:
        """Deactivate this saga; return the error to compensate for, or None."""
        if self._token is not None:
            _active.reset(self._token)
            self._token = None
        if exc is None:
            parent = _active.get()
            if parent is not None and parent.owns(self._scope):
                parent.compensations.extend(self.compensations)
            self.compensations = []
            return None
        if not isinstance(exc, Exception) or isinstance(exc, _NOT_COMPENSATED):
            return None
        return exc


def saga() -> Saga:
    """A saga block: `with podium.saga():` compensates its completed steps if it fails."""
    return Saga()


def completed(
    step: definitions.Step, result: T, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> T:
    """Register `step`'s compensation with the active saga; return `result` unchanged.

    A step called outside any workflow calls it after it returns; inside a workflow the engine
    calls `on_step_completed` (a step listener, see engine/hooks) when a step completes or its
    completion replays.
    """
    undo = step.options.compensate
    if undo is None:
        return result
    active = _active.get()
    if active is not None and active.owns(_scope()):
        active.push(Compensation(step.name, undo, result, args, kwargs))
    return result


def on_step_completed(
    step: definitions.Step, result: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """The engine's step listener: register a completed step's compensation (see `completed`)."""
    completed(step, result, args, kwargs)


@contextlib.contextmanager
def _giving_up(entry: Compensation, original: Exception) -> Iterator[None]:
    """Turn the failure of a compensation into CompensationFailed (engine errors pass)."""
    try:
        yield
    except _NOT_COMPENSATED:
        raise
    except Exception as failure:
        raise errors.CompensationFailed(entry.step, original, failure) from failure


@contextlib.contextmanager
def _no_saga() -> Iterator[None]:
    """While compensating, a compensation's own completion registers nothing."""
    token = _active.set(None)
    try:
        yield
    finally:
        _active.reset(token)


def _discard(value: Any) -> None:
    """Close a coroutine that will never be awaited, so it warns about nothing."""
    close = getattr(value, "close", None)
    if close is not None:
        close()
