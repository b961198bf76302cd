"""The engine's extension points: what App plugs in for the patterns, and what observability adds.

The engine knows no pattern. At fixed points of a run it calls what was plugged in here:

- step wrappers, a context around each step attempt (circuit breakers);
- step listeners, when a step's result is known, run or replayed (saga compensations);
- step observers, after each attempt that ran, with its times and outcome (telemetry);
- run listeners, after the end of a run is stored (waking a waiting parent; telemetry);
- worker services, started and stopped with every worker (cron schedules);
- the claim check, whether a short claim of a worker's queues may leave work (queue limits);
- interceptors, the observability chain around runs and attempts (see `interceptors`).

The model is procrastinate's worker middleware and Temporal's worker interceptors. A list
that nothing was added to costs the engine one check, so a pattern an app does not use adds
nothing to the hot path.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from podium import definitions
from podium.engine import interceptors
from podium.store import base

log = logging.getLogger("podium.hooks")


@dataclasses.dataclass(frozen=True, slots=True)
class StepCall:
    """One attempt of a step at a history position of a workflow."""

    step: definitions.Step
    workflow_id: str
    seq: int
    attempt: int


@dataclasses.dataclass(frozen=True, slots=True)
class RunEnd:
    """A run whose end is stored: the workflow as it was claimed, and how the run ended.

    `outcome` is "completed" or "failed" (the workflow ended), or "suspended" or "released"
    (it will run again).
    """

    workflow: base.WorkflowRecord
    outcome: str
    parent_woken: bool = False
    """The store woke the workflow's parent with this end (a child that ended its wait)."""

    @property
    def ended(self) -> bool:
        """Whether the workflow itself ended (completed or failed)."""
        return self.outcome in ("completed", "failed")


StepWrapper = Callable[[StepCall], AbstractContextManager[None]]
"""A context around one attempt: entering may refuse it (raise), leaving sees its outcome."""

StepGate = Callable[[str], None]
"""Called with the workflow id before each step attempt; raising refuses the attempt.

Lighter than a wrapper (no context to enter and leave): for checks that run before every
step of every workflow, such as whether the workflow was paused.
"""

StepListener = Callable[[definitions.Step, Any, tuple[Any, ...], dict[str, Any]], None]
"""Called with (step, result, args, kwargs) when a step completes or its completion replays."""

StepObserver = Callable[[str, str, int, float, float, bool], None]
"""Called with (workflow, step, attempt, started, finished, ok) after each step attempt ran.

The cheapest hook on the step path (no context, no record built): for counters that
aggregate in memory (telemetry). Must not raise and must not block.
"""

RunListener = Callable[[RunEnd], None]
"""Called after a run's end is stored; must not raise (failures are logged and ignored)."""

ClaimCheck = Callable[[Sequence[str]], bool]
"""Whether a claim of these queues can come back short while ready work waits (limits)."""


class Service(Protocol):
    """Something that runs beside a worker while it serves (e.g. the cron scheduler)."""

    def start(self) -> object:
        """Start (in a thread of its own); return at once."""
        ...

    def stop(self) -> None:
        """Stop and wait for it."""
        ...


ServiceFactory = Callable[[], Service]


class Hooks:
    """The hooks of one App's engine; each `add_*` ignores a hook that is already there."""

    def __init__(self) -> None:
        self.step_wrappers: list[StepWrapper] = []
        self.step_gates: list[StepGate] = []
        self.step_listeners: list[StepListener] = []
        self.step_observers: list[StepObserver] = []
        self.observe_step: StepObserver | None = None
        """What the engine calls after each attempt: the only observer itself (no loop
        between), `step_ran` when there are several, None when there is none. The engine
        logs and ignores what it raises."""
        self.run_listeners: list[RunListener] = []
        self.services: list[ServiceFactory] = []
        self.interceptors: list[interceptors.Interceptor] = []
        self.claims_may_wait: ClaimCheck | None = None
        """Whether a short claim of a worker's queues may leave ready work behind (a queue
        limit, a pause); None: assume so. A worker whose runner found its queues drained
        lets the dispatcher wait for new work instead of claiming again (see `Worker`)."""

    def add_step_wrapper(self, wrapper: StepWrapper) -> None:
        """Wrap every step attempt in `wrapper` (after those added before it)."""
        _add(self.step_wrappers, wrapper)

    def add_step_gate(self, gate: StepGate) -> None:
        """Ask `gate` before every step attempt whether it may start (it raises if not)."""
        _add(self.step_gates, gate)

    def add_step_listener(self, listener: StepListener) -> None:
        """Tell `listener` of every completed or replayed step result."""
        _add(self.step_listeners, listener)

    def add_step_observer(self, observer: StepObserver) -> None:
        """Tell `observer` of every step attempt that ran, with its times and outcome."""
        _add(self.step_observers, observer)
        only = len(self.step_observers) == 1
        self.observe_step = self.step_observers[0] if only else self.step_ran

    def add_run_listener(self, listener: RunListener) -> None:
        """Tell `listener` of every run whose end was stored."""
        _add(self.run_listeners, listener)

    def add_service(self, factory: ServiceFactory) -> None:
        """Run `factory()` beside every worker started from now on."""
        _add(self.services, factory)

    def set_claim_check(self, check: ClaimCheck) -> None:
        """Tell workers which queues' short claims may leave ready work behind."""
        self.claims_may_wait = check

    def add_interceptor(self, interceptor: interceptors.Interceptor) -> None:
        """Add an observability interceptor (tracing, metrics, log context)."""
        _add(self.interceptors, interceptor)

    # -- what the engine calls -------------------------------------------------------------

    def around_step(self, call: StepCall) -> AbstractContextManager[None]:
        """The context of every step wrapper around one attempt, first added outermost."""
        wrappers = self.step_wrappers
        if len(wrappers) == 1:
            return wrappers[0](call)
        return _nested(list(wrappers), call)

    def step_completed(
        self, step: definitions.Step, result: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        """Tell the step listeners that `step(*args, **kwargs)` returned `result`."""
        for listener in self.step_listeners:
            listener(step, result, args, kwargs)

    def step_ran(
        self, workflow: str, step: str, attempt: int, started: float, finished: float, ok: bool
    ) -> None:
        """Tell the step observers of one attempt; one that fails is logged and ignored."""
        for observer in self.step_observers:
            try:
                observer(workflow, step, attempt, started, finished, ok)
            except Exception:
                log.exception("step observer %r failed", observer)

    def run_ended(self, end: RunEnd) -> None:
        """Tell the run listeners; one that fails is logged and the others still hear of it."""
        for listener in self.run_listeners:
            try:
                listener(end)
            except Exception:
                log.exception("run listener %r failed for workflow %s", listener, end.workflow.id)


@contextlib.contextmanager
def _nested(wrappers: list[StepWrapper], call: StepCall) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for wrapper in wrappers:
            stack.enter_context(wrapper(call))
        yield


def _add(hooks: list[Any], hook: object) -> None:
    if hook not in hooks:
        hooks.append(hook)
