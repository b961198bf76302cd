"""Interceptors: typed hooks around workflow runs and step attempts, for metrics and tracing.

`Hooks.interceptors` (see `hooks`) holds a list of them; with none registered the engine
skips these scopes altogether. Interceptors must not raise: one that fails is logged and
ignored, never allowed to change what a workflow does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterator
from typing import Any, Protocol

log = logging.getLogger("podium.interceptors")


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """One run of a claimed workflow: who runs it and whether it was taken over."""

    workflow_id: str
    workflow: str
    queue: str
    run: int
    worker: str
    takeover: bool
    parent_id: str | None = None


@dataclasses.dataclass(frozen=True)
class StepInfo:
    """One attempt of a step at a history position."""

    workflow_id: str
    workflow: str
    step: str
    seq: int
    attempt: int
    worker: str


class Interceptor:
    """Base of all interceptors: every hook does nothing unless overridden."""

    def on_start(self, workflow_id: str) -> None:
        """A new workflow was stored by `start`/`run` in this process (e.g. keep the trace)."""

    def run(self, info: RunInfo) -> contextlib.AbstractContextManager[None]:
        """A context wrapping the whole run (e.g. a tracing span); nothing by default."""
        return contextlib.nullcontext()

    def on_workflow(self, info: RunInfo, outcome: str, started: float, finished: float) -> None:
        """After a run: outcome is completed, failed, suspended, released or stopped."""

    def step(self, info: StepInfo) -> contextlib.AbstractContextManager[None]:
        """A context wrapping one step attempt; exceptions of the attempt pass through it."""
        return contextlib.nullcontext()

    def on_step(
        self, info: StepInfo, started: float, finished: float, outcome: str, error: str | None
    ) -> None:
        """After a step attempt: outcome "completed" or "error" (error = exception type)."""


def started(chain: list[Interceptor], workflow_id: str) -> None:
    """Tell every interceptor that `workflow_id` was just created here."""
    for interceptor in chain:
        try:
            interceptor.on_start(workflow_id)
        except Exception:
            log.exception("interceptor %r failed in on_start", interceptor)


class Ending(Protocol):
    """What `run_scope` reads after the run: how it ended."""

    outcome: str


@contextlib.contextmanager
def run_scope(
    chain: list[Interceptor], info: RunInfo, now: Callable[[], float], run: Ending
) -> Iterator[None]:
    """Wrap a run in every interceptor's `run` context; report `run.outcome` afterwards."""
    started = now()
    with contextlib.ExitStack() as stack:
        for interceptor in chain:
            _safe_enter(stack, interceptor.run, info)
        yield
    finished = now()
    for interceptor in chain:
        try:
            interceptor.on_workflow(info, run.outcome, started, finished)
        except Exception:
            log.exception("interceptor %r failed in on_workflow", interceptor)


@contextlib.contextmanager
def step_scope(
    chain: list[Interceptor], info: StepInfo, now: Callable[[], float]
) -> Iterator[None]:
    """Wrap one step attempt in every interceptor's `step` context; report how it went."""
    started = now()
    outcome, error = "completed", None
    try:
        with contextlib.ExitStack() as stack:
            for interceptor in chain:
                _safe_enter(stack, interceptor.step, info)
            yield
    except Exception as exc:
        outcome, error = "error", type(exc).__qualname__
        raise
    finally:
        finished = now()
        for interceptor in chain:
            try:
                interceptor.on_step(info, started, finished, outcome, error)
            except Exception:
                log.exception("interceptor %r failed in on_step", interceptor)


def _safe_enter(
    stack: contextlib.ExitStack,
    make: Callable[[Any], contextlib.AbstractContextManager[None]],
    info: RunInfo | StepInfo,
) -> None:
    try:
        stack.enter_context(make(info))
    except Exception:
        log.exception("interceptor hook %r failed to start", make)
