"""`@app.step`: a function whose result is checkpointed when a workflow calls it."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import time
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar

from podium import arguments, context, errors, validation
from podium.patterns import fanout, saga
from podium.patterns import retry as retry_mod

P = ParamSpec("P")
R = TypeVar("R")


@dataclasses.dataclass(frozen=True)
class StepOptions:
    """How a step runs: retry policy (None: the default), timeout, saga compensation, breaker."""

    retry: retry_mod.RetryPolicy | None = None
    timeout: float | None = None
    compensate: StepDefinition[..., Any] | None = None
    circuit: str | None = None
    """The name of the circuit breaker this step's calls go through (see patterns/circuit)."""
    redact: tuple[str, ...] = ()
    """Paths of sensitive values in its result (see podium.redaction)."""
    validate: bool = False
    """Check each result against the return annotation; a mismatch fails the step."""

    def __post_init__(self) -> None:
        arguments.check_retry(self.retry)
        arguments.check_timeout(self.timeout)
        if self.compensate is not None and not isinstance(self.compensate, StepDefinition):
            raise errors.ConfigurationError(
                f"compensate={self.compensate!r} must be a step; see `compensation()`"
            )
        if self.circuit is not None and (not isinstance(self.circuit, str) or not self.circuit):
            raise errors.ConfigurationError(
                f"circuit={self.circuit!r} must be the name of an app.circuit_breaker(...)"
            )


class StepDefinition(Generic[P, R]):
    """A registered step. Calling it inside a workflow runs it durably; outside, plainly."""

    def __init__(
        self,
        fn: Callable[P, R],
        name: str,
        options: StepOptions,
        guard: Callable[[], contextlib.AbstractContextManager[None]] | None = None,
    ) -> None:
        self.fn = fn
        self.name = name
        self.options = options
        self.guard = guard
        """The circuit breaker check of plain calls (given by the App that declared the step)."""
        self.is_async = inspect.iscoroutinefunction(fn)
        self.checker = validation.Checker(fn, f"step {name!r}")
        functools.update_wrapper(self, fn)

    def __repr__(self) -> str:
        return f"<podium step {self.name!r}>"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Inside a workflow: checkpointed; outside: a plain call with the retry policy."""
        run = context.current_run.get()
        if run is not None:
            result: R = run.call_step(self, args, kwargs)
            return result
        if self.is_async:
            return self._call_plain_async(*args, **kwargs)  # type: ignore[return-value]
        return saga.completed(self, self._call_plain(*args, **kwargs), args, kwargs)

    def check_result(self, value: Any) -> Any:
        """`value` checked against the return annotation (ValidationError if it does not fit)."""
        return self.checker.result(value)

    def submit(self, *args: P.args, **kwargs: P.kwargs) -> fanout.StepFuture[R]:
        """Inside a workflow: run this step as a child task any worker may run; see gather."""
        return fanout.submit(self, args, kwargs)

    def _call_plain(self, *args: Any, **kwargs: Any) -> R:
        """Outside a workflow: run now, honouring the retry policy with ordinary sleeps."""
        policy = self.options.retry or retry_mod.NO_RETRY
        attempt = 1
        while True:
            try:
                with self._guard():
                    return self.fn(*args, **kwargs)
            except Exception as exc:
                if not policy.should_retry(attempt, exc):
                    raise
                time.sleep(policy.delay_for(attempt, exc))
                attempt += not isinstance(exc, errors.StepRefused)

    async def _call_plain_async(self, *args: Any, **kwargs: Any) -> Any:
        import asyncio

        policy = self.options.retry or retry_mod.NO_RETRY
        attempt = 1
        while True:
            try:
                with self._guard():
                    result = await self.fn(*args, **kwargs)  # type: ignore[misc]
            except Exception as exc:
                if not policy.should_retry(attempt, exc):
                    raise
                await asyncio.sleep(policy.delay_for(attempt, exc))
                attempt += not isinstance(exc, errors.StepRefused)
            else:
                return saga.completed(self, result, args, kwargs)

    def _guard(self) -> contextlib.AbstractContextManager[None]:
        """A plain call's circuit breaker check (nothing without `circuit=`)."""
        if self.options.circuit is None:
            return _NO_GUARD
        if self.guard is None:
            raise errors.ConfigurationError(
                f"step {self.name!r} names circuit {self.options.circuit!r} but belongs to no "
                "App; declare it with @app.step(circuit=...)"
            )
        return self.guard()


_NO_GUARD = contextlib.nullcontext()


def compensation(undo: Any, step_name: str) -> StepDefinition[..., Any] | None:
    """`compensate=` as a step: an `@app.step` as is, a plain function made into one.

    A plain function becomes the step `"<step_name>.compensate"` (no retry of its own: the
    workflow's or app's default applies); pass an `@app.step(retry=...)` to choose its policy.
    """
    if undo is None or isinstance(undo, StepDefinition):
        return undo
    if not callable(undo):
        raise errors.ConfigurationError(
            f"compensate={undo!r} of step {step_name!r} must be a function or an @app.step"
        )
    return StepDefinition(undo, f"{step_name}.compensate", StepOptions())
