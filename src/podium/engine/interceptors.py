"""Interceptors: typed hooks around workflow runs and step attempts, for metrics and tracing.

`Runtime.interceptors` holds a list of them; with none registered the hooks cost one list
check. Hooks must not raise: an interceptor that fails is logged and ignored, never allowed to
change what a workflow does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podium.engine.executor import Execution

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


def run_info(run: Execution) -> RunInfo:
    """The RunInfo of an execution."""
    wf = run.wf
    return RunInfo(wf.id, wf.workflow, wf.queue, wf.runs, run.fence.owner, run.claim.takeover)


@contextlib.contextmanager
def run_scope(run: Execution) -> Iterator[None]:
    """Wrap a run in every interceptor's `run` context; report its outcome afterwards."""
    chain = list(run.rt.interceptors)
    if not chain:
        yield
        return
    info = run_info(run)
    started = run.rt.clock.time()
    with contextlib.ExitStack() as stack:
        for interceptor in chain:
            _safe_enter(stack, interceptor.run, info)
        yield
    finished = run.rt.clock.time()
    for interceptor in chain:
        try:
            interceptor.on_workflow(info, run.outcome, started, finished)
        except Exception:
            log.exception("interceptor %r failed in on_workflow", interceptor)


_NOTHING = contextlib.nullcontext()


def step_scope(
    run: Execution, step: str, seq: int, attempt: int
) -> contextlib.AbstractContextManager[None]:
    """Wrap one step attempt in every interceptor's `step` context; report how it went."""
    if not run.rt.interceptors:
        return _NOTHING  # the hot path: no generator per step when nothing listens
    return _step_scope(run, step, seq, attempt)


@contextlib.contextmanager
def _step_scope(run: Execution, step: str, seq: int, attempt: int) -> Iterator[None]:
    chain = list(run.rt.interceptors)
    info = StepInfo(run.wf.id, run.wf.workflow, step, seq, attempt, run.fence.owner)
    started = run.rt.clock.time()
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
        finished = run.rt.clock.time()
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
