"""The step call path inside a workflow: replay a recorded result or run, retry and record.

One pipeline with a sync and an async face: planning (replay or which attempt), the outcome
bookkeeping and the retry decision are shared; only invoking and waiting differ. What the
patterns add around a step (circuit breakers around each attempt, saga compensations after
it) comes in through the engine's hooks (see `hooks`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, Protocol

from podium import context, definitions, errors, redaction, serialization
from podium.engine import failures, hooks, interceptors
from podium.engine.runtime import Runtime
from podium.patterns import retry
from podium.store import base

Step = definitions.Step


class Execution(Protocol):
    """What the step path needs of the run it belongs to (the executor's `Execution`)."""

    rt: Runtime
    wf: base.WorkflowRecord
    fence: base.Fence
    definition: definitions.Workflow
    is_async: bool
    attempts: dict[int, list[base.Attempt]]
    open_steps: int

    def take(self, kind: str, name: str, *, check: bool = True) -> context.Position:
        """See `context.Run.take`."""
        ...

    def wait_until(self, moment: float) -> float:
        """See `context.Run.wait_until`."""
        ...

    def pause(self, seconds: float) -> None:
        """See `context.Run.pause`."""
        ...

    def append(self, event: base.HistoryEvent) -> None:
        """Append a history event under the fence."""
        ...

    def hold(self, event: base.HistoryEvent) -> None:
        """Append a history event at the run's next durable point (or with its end)."""
        ...

    def record_attempt(self, attempt: base.Attempt) -> None:
        """Record a failed attempt under the fence."""
        ...

    def sensitive(self) -> frozenset[str]:
        """The sensitive values seen in the workflow's payloads so far."""
        ...

    def scrub(self, text: str) -> str:
        """`text` with the workflow's sensitive values masked (see podium.redaction)."""
        ...

    def saw_sensitive(self, payload: str) -> None:
        """Remember the marked values of a stored payload, for `scrub`."""
        ...


class Plan(NamedTuple):
    """The next attempt of a step at a history position.

    A NamedTuple rather than a frozen dataclass: one is built for every step a workflow
    runs, and a tuple is built several times faster while staying immutable.
    """

    seq: int
    attempt: int
    not_before: float | None
    timeout: float | None

    def context(self, workflow_id: str, step: str) -> context.StepContext:
        """The StepContext this attempt runs under."""
        return context.StepContext(workflow_id, self.seq, step, self.attempt)


def call(run: Execution, step: Step, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run (or replay) `step`; a coroutine when both workflow and step are async."""
    if run.is_async and step.is_async:
        return _step_async(run, step, args, kwargs)
    return _step_sync(run, step, args, kwargs)


def _step_sync(run: Execution, step: Step, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    plan = _plan(run, step)
    if isinstance(plan, base.HistoryEvent):
        return _completed(run, step, _replay(step.name, plan), args, kwargs)
    run.open_steps += 1
    try:
        while True:
            if plan.not_before is not None:
                run.pause(run.wait_until(plan.not_before))
            started = run.rt.clock.time()
            try:
                result = _attempt_sync(run, step, args, kwargs, plan)
            except Exception as exc:
                plan = _failed(run, step, plan, exc, started)
                continue
            value = _succeeded(run, step, plan, result, started)
            break
    finally:
        run.open_steps -= 1
    if run.rt.hooks.step_listeners:  # `_completed`, inline: this runs for every step
        run.rt.hooks.step_completed(step, value, args, kwargs)
    return value


async def _step_async(
    run: Execution, step: Step, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    plan = _plan(run, step)
    if isinstance(plan, base.HistoryEvent):
        return _completed(run, step, _replay(step.name, plan), args, kwargs)
    run.open_steps += 1
    try:
        while True:
            if plan.not_before is not None:
                await asyncio.sleep(run.wait_until(plan.not_before))
            started = run.rt.clock.time()
            try:
                with _attempt_scope(run, step, plan):
                    result = await _with_step_context(
                        plan.context(run.wf.id, step.name),
                        step.fn(*args, **kwargs),
                        step.name,
                        plan.timeout,
                    )
            except Exception as exc:
                plan = _failed(run, step, plan, exc, started)
                continue
            value = _succeeded(run, step, plan, result, started)
            break
    finally:
        run.open_steps -= 1
    return _completed(run, step, value, args, kwargs)


def _attempt_sync(
    run: Execution, step: Step, args: tuple[Any, ...], kwargs: dict[str, Any], plan: Plan
) -> Any:
    """One attempt, inside the interceptors' and step wrappers' context when there are any.

    With neither (the common case) the call skips entering and leaving a no-op context.
    """
    plugged = run.rt.hooks
    for gate in plugged.step_gates:
        gate(run.wf.id)
    if not plugged.interceptors and not plugged.step_wrappers:
        return _invoke_sync(run, step, args, kwargs, plan)
    with _plugged_scope(run, step, plan):
        return _invoke_sync(run, step, args, kwargs, plan)


_NOTHING = contextlib.nullcontext()


def _attempt_scope(run: Execution, step: Step, plan: Plan) -> AbstractContextManager[None]:
    """The interceptors' and step wrappers' context around one attempt (a no-op without)."""
    plugged = run.rt.hooks
    for gate in plugged.step_gates:
        gate(run.wf.id)
    if not plugged.interceptors and not plugged.step_wrappers:
        return _NOTHING
    return _plugged_scope(run, step, plan)


@contextlib.contextmanager
def _plugged_scope(run: Execution, step: Step, plan: Plan) -> Iterator[None]:
    plugged = run.rt.hooks
    with contextlib.ExitStack() as stack:
        if plugged.interceptors:
            info = interceptors.StepInfo(
                run.wf.id, run.wf.workflow, step.name, plan.seq, plan.attempt, run.fence.owner
            )
            stack.enter_context(
                interceptors.step_scope(plugged.interceptors, info, run.rt.clock.time)
            )
        if plugged.step_wrappers:
            call = hooks.StepCall(step, run.wf.id, plan.seq, plan.attempt)
            stack.enter_context(plugged.around_step(call))
        yield


def _completed(
    run: Execution, step: Step, result: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Tell the step listeners (sagas) of a completed or replayed step; return `result`."""
    if run.rt.hooks.step_listeners:
        run.rt.hooks.step_completed(step, result, args, kwargs)
    return result


def _plan(run: Execution, step: Step) -> Plan | base.HistoryEvent:
    seq, _kind, _name, event = run.take("step", step.name)
    if event is not None:
        return event
    done = run.attempts.get(seq)
    if not done:  # the common case: the step's first attempt
        return Plan(seq, 1, None, step.options.timeout)
    return Plan(seq, len(done) + 1, done[-1].retry_at, step.options.timeout)


def _policy(run: Execution, step: Step) -> retry.RetryPolicy:
    """The retry policy of `step` in this run: its own, its workflow's, or the app's."""
    return (
        step.options.retry or run.definition.options.retry or run.rt.default_retry or retry.NO_RETRY
    )


def _invoke_sync(
    run: Execution, step: Step, args: tuple[Any, ...], kwargs: dict[str, Any], plan: Plan
) -> Any:
    ctx = context.StepContext(run.wf.id, plan.seq, step.name, plan.attempt)  # `plan.context`
    if step.is_async:
        coro = _with_step_context(ctx, step.fn(*args, **kwargs), step.name, plan.timeout)
        return run.rt.loop().run(coro)
    run_token = context.current_run.set(None)
    step_token = context.current_step.set(ctx)
    try:
        if plan.timeout is None:
            return step.fn(*args, **kwargs)
        return _call_with_timeout(step.name, plan.timeout, step.fn, args, kwargs)
    finally:
        context.current_step.reset(step_token)
        context.current_run.reset(run_token)


def _failed(
    run: Execution,
    step: Step,
    plan: Plan,
    exc: Exception,
    started: float,
    policy: retry.RetryPolicy | None = None,
) -> Plan:
    """Record a failed attempt; return the next plan, or raise `exc` when it was the last.

    `policy`: the retry policy to apply (default: the step's, see `_policy`).
    """
    finished = run.rt.clock.time()
    if (observe := run.rt.hooks.observe_step) is not None:
        try:  # inline, not a helper: this runs for every step attempt
            observe(run.wf.workflow, step.name, plan.attempt, started, finished, False)
        except Exception:
            hooks.log.exception("step observer %r failed", observe)
    tries = plan.attempt - _refusals(run.attempts.get(plan.seq, ()))  # the step really ran
    policy = policy or _policy(run, step)
    if policy.should_retry(tries, exc):
        retry_at = finished + policy.delay_for(tries, exc)
        run.record_attempt(
            base.Attempt(
                run.wf.id,
                plan.seq,
                plan.attempt,
                step.name,
                type(exc).__qualname__,
                run.scrub(str(exc))[:2000],
                started,
                finished,
                retry_at,
            )
        )
        run.rt.log.info(
            "workflow %s step %s attempt %d failed (%s: %s); retry in %.2fs",
            run.wf.id,
            step.name,
            plan.attempt,
            type(exc).__name__,
            run.scrub(str(exc)),
            retry_at - finished,
        )
        return plan._replace(attempt=plan.attempt + 1, not_before=retry_at)
    _record(run, step, plan, "failed", failures.to_payload(exc, run.scrub), started, finished)
    raise exc


def _record(
    run: Execution,
    step: Step,
    plan: Plan,
    status: str,
    payload: str,
    started: float,
    finished: float,
) -> None:
    """Record the step's outcome at its position: "completed" or "failed" (its last attempt).

    Held back to the run's next durable point (`hold`), which is the run's next new position
    or its end: so a workflow's last step costs no commit of its own. Not while another step
    of the run is in flight (an `async def` workflow's concurrent steps): the result would
    wait for that step, and a crash meanwhile would run this one again.
    """
    event = base.HistoryEvent(
        run.wf.id, plan.seq, "step", step.name, status, payload, plan.attempt, started, finished
    )
    if run.open_steps == 1:
        run.hold(event)
    else:
        run.append(event)


def _refusals(attempts: Iterable[base.Attempt]) -> int:
    """How many of a step's failed attempts were refusals (`StepRefused`: it did not run)."""
    attempts = list(attempts)
    if not attempts:
        return 0
    names = errors.refusals()
    return sum(1 for attempt in attempts if attempt.error_type in names)


def _succeeded(run: Execution, step: Step, plan: Plan, result: Any, started: float) -> Any:
    options = step.options
    try:
        if options.validate:
            result = step.check_result(result)
        limit = run.rt.settings.max_payload_bytes
        payload = serialization.dumps_scalar(result, limit) or serialization.dumps(
            result,
            what=f"result of step {step.name!r} of workflow {run.wf.workflow!r}",
            limit=limit,
        )
        paths, values = options.redact + run.definition.options.redact, run.sensitive()
        if paths or values:
            payload = redaction.mark_text(payload, paths, values=values)
        if paths or redaction.has_marks(payload):
            run.saw_sensitive(payload)
    except (errors.SerializationError, errors.ValidationError) as exc:
        _failed(run, step, plan, exc, started, retry.NO_RETRY)
        raise  # pragma: no cover - _failed raises
    finished = run.rt.clock.time()
    _record(run, step, plan, "completed", payload, started, finished)
    if (observe := run.rt.hooks.observe_step) is not None:
        try:  # inline, not a helper: this runs for every step attempt
            observe(run.wf.workflow, step.name, plan.attempt, started, finished, True)
        except Exception:
            hooks.log.exception("step observer %r failed", observe)
    if type(result) in _SCALARS:
        return result
    return serialization.loads(payload)


_SCALARS = frozenset({int, float, str, bool, type(None)})


def _replay(step: str, event: base.HistoryEvent) -> Any:
    if event.status == "completed":
        return serialization.loads(event.payload)
    raise failures.rebuild(step, event.payload)


async def _with_step_context(
    ctx: context.StepContext, coro: Coroutine[Any, Any, Any], step: str, timeout: float | None
) -> Any:
    run_token = context.current_run.set(None)
    step_token = context.current_step.set(ctx)
    try:
        if timeout is None:
            return await coro
        try:
            return await asyncio.wait_for(coro, timeout)
        except TimeoutError:
            raise errors.StepTimeout(step, timeout) from None
    finally:
        context.current_step.reset(step_token)
        context.current_run.reset(run_token)


def _call_with_timeout(
    step: str, timeout: float, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Run `fn` on a daemon thread; give up waiting after `timeout` (the thread is abandoned)."""
    box: dict[str, Any] = {}
    ctx = contextvars.copy_context()

    def target() -> None:
        try:
            box["value"] = ctx.run(fn, *args, **kwargs)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"podium-step-{step}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise errors.StepTimeout(step, timeout)
    if "error" in box:
        raise box["error"]
    return box["value"]
