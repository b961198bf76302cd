"""One run of one claimed workflow: replay its history, run new steps, store the outcome.

A run ends in one of four ways: the function returns (completed), raises (failed), asks to
wait (`Suspend`: the workflow is unloaded until its wake time), or is stopped by the worker
(`Release`) or by losing its lease (`Fenced`). Every write is fenced by the claim's epoch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from podium import context, errors, serialization
from podium.engine import failures, history, interceptors, stepcall
from podium.engine.runtime import Runtime
from podium.patterns import fanout
from podium.store import base


class Execution:
    """The state of one run: its claim, history cursor and failed attempts."""

    def __init__(
        self,
        runtime: Runtime,
        claim: base.Claim,
        definition: Any,
        releasing: threading.Event,
    ) -> None:
        self.rt = runtime
        self.claim = claim
        self.wf = claim.record
        self.fence = claim.fence
        self.definition = definition
        self.is_async: bool = definition.is_async
        self.releasing = releasing
        self.outcome = "stopped"
        """How the run ended, for interceptors: completed, failed, suspended, released."""
        self.output: str | None = None
        """The serialized result this run stored, once `outcome` is "completed"."""
        self.deferred: Callable[[], None] | None = None
        """Writes held back to be batched (fan-out's child creations); see `flush`."""
        fresh = claim.record.runs <= 1
        store = runtime.store
        events = [] if fresh else store.load_history(self.wf.id)
        self.cursor = history.Cursor(self.wf.id, self.wf.workflow, events)
        self.attempts: dict[int, list[base.Attempt]] = {}
        for attempt in [] if fresh else store.load_attempts(self.wf.id):
            self.attempts.setdefault(attempt.seq, []).append(attempt)

    # -- running ---------------------------------------------------------------------------

    def run_sync(self) -> None:
        """Run a `def` workflow to its next end in this thread."""
        token = context.current_run.set(self)
        try:
            with interceptors.run_scope(self):
                try:
                    with self.rt.leases.holding(self.fence):
                        args, kwargs = serialization.loads_call(self.wf.input)
                        value = self.definition.fn(*args, **kwargs)
                except BaseException as exc:
                    self._conclude_error(exc)
                else:
                    self._conclude_value(value)
        finally:
            context.current_run.reset(token)

    async def run_async(self) -> None:
        """Run an `async def` workflow to its next end on the running loop."""
        token = context.current_run.set(self)
        try:
            with interceptors.run_scope(self):
                try:
                    with self.rt.leases.holding(self.fence):
                        args, kwargs = serialization.loads_call(self.wf.input)
                        value = await self.definition.fn(*args, **kwargs)
                except BaseException as exc:
                    self._conclude_error(exc)
                else:
                    self._conclude_value(value)
        finally:
            context.current_run.reset(token)

    def call_step(self, step: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run or replay `step` (see `stepcall.call`)."""
        return stepcall.call(self, step, args, kwargs)

    # -- recorded values and timers (the context.Run protocol) ------------------------------

    def record(self, kind: str, make: Callable[[], Any]) -> Any:
        """Replay the value at the next position or record a fresh `make()` there."""
        seq, event = self.cursor.advance(kind, kind)
        if event is not None:
            return serialization.loads(event.payload)
        self.check_continue()
        value = make()
        now = self.rt.clock.time()
        self.append(
            base.HistoryEvent(
                self.wf.id, seq, kind, kind, "completed", serialization.dumps(value), 1, now, now
            )
        )
        return value

    def time(self) -> float:
        """The engine clock's current time."""
        return self.rt.clock.time()

    def timer(self, seconds: float) -> float:
        """Record (or replay) a timer; suspend if its wait is long, else return what is left."""
        seq, event = self.cursor.advance("sleep", "sleep")
        if event is not None:
            fire_at = float(serialization.loads(event.payload))
        else:
            self.check_continue()
            now = self.rt.clock.time()
            fire_at = now + seconds
            self.append(
                base.HistoryEvent(
                    self.wf.id,
                    seq,
                    "sleep",
                    "sleep",
                    "scheduled",
                    serialization.dumps(fire_at),
                    1,
                    now,
                    fire_at,
                )
            )
        return self.wait_until(fire_at)

    def wait_until(self, moment: float) -> float:
        """Seconds left until `moment` if short; for a long wait, unload the workflow."""
        remaining = moment - self.rt.clock.time()
        if remaining > self.rt.settings.suspend_grace:
            raise errors.Suspend(moment)
        return max(0.0, remaining)

    def pause(self, seconds: float) -> None:
        """Hold this thread for a short wait."""
        if seconds > 0:
            self.rt.clock.sleep(seconds)

    # -- guarded writes --------------------------------------------------------------------

    def check_continue(self) -> None:
        """Before new work: flush deferred writes; stop if shutting down or past the deadline."""
        self.flush()
        if self.releasing.is_set():
            raise errors.Release()
        deadline = self.wf.deadline
        if deadline is not None and self.rt.clock.time() > deadline:
            raise errors.DeadlineExceeded(self.wf.id, deadline - self.wf.created_at)

    def flush(self) -> None:
        """Make deferred writes durable now, under the fence (see `deferred`)."""
        deferred, self.deferred = self.deferred, None
        if deferred is not None:
            self._fenced(lambda _fence, _item: deferred(), None)

    def append(self, event: base.HistoryEvent) -> None:
        """Append to history under the fence; a lost lease stops this run."""
        self._fenced(self.rt.store.append_history, event)
        self.cursor.add(event)

    def record_attempt(self, attempt: base.Attempt) -> None:
        """Record a failed attempt under the fence."""
        self._fenced(self.rt.store.record_attempt, attempt)
        self.attempts.setdefault(attempt.seq, []).append(attempt)

    def _fenced(self, write: Callable[[base.Fence, Any], None], item: Any) -> None:
        try:
            write(self.fence, item)
        except errors.LeaseLost:
            raise errors.Fenced() from None
        except Exception as exc:
            raise errors.StoreFault(exc) from exc

    # -- endings ---------------------------------------------------------------------------

    def _conclude_value(self, value: Any) -> None:
        try:
            self.cursor.check_fully_replayed()
            output = serialization.dumps(
                value,
                what=f"result of workflow {self.wf.workflow!r}",
                limit=self.rt.settings.max_payload_bytes,
            )
        except errors.PodiumError as exc:
            self._conclude_error(exc)
            return
        self._end(
            lambda now: self.rt.store.finish(self.fence, base.Outcome("completed", output), now)
        )
        if self.outcome == "completed":
            self.output = output

    def _conclude_error(self, exc: BaseException) -> None:
        store, fence = self.rt.store, self.fence
        if isinstance(exc, errors.Suspend):
            deadline = self.wf.deadline
            if deadline is not None and self.rt.clock.time() >= deadline:
                # Woken at its deadline while still waiting: fail now, do not wait again.
                self._fail(errors.DeadlineExceeded(self.wf.id, deadline - self.wf.created_at))
                return
            wake_at = exc.wake_at
            if deadline is not None:
                wake_at = min(wake_at or deadline, deadline)
            self._end(lambda now: store.suspend(fence, wake_at, now), ended=False, as_="suspended")
        elif isinstance(exc, errors.Release):
            self._end(lambda now: store.release(fence, now), ended=False, as_="released")
        elif isinstance(exc, errors.StoreFault):
            self.rt.log.error(
                "workflow %s: the store failed (%s); handing it back to be retried",
                self.wf.id,
                exc.error,
            )
            self._end(lambda now: store.release(fence, now), ended=False, as_="released")
        elif isinstance(exc, errors.Fenced):
            self.rt.log.warning(
                "workflow %s: lease lost (taken over or cancelled); this run stops",
                self.wf.id,
            )
        elif isinstance(exc, Exception | errors.DeadlineExceeded):
            self._fail(exc)
        else:
            self._end(lambda now: store.release(fence, now), ended=False, as_="released")
            raise exc

    def _fail(self, exc: BaseException) -> None:
        if self.cursor.diverged is not None:
            exc = self.cursor.diverged  # whatever the workflow raised after it diverged
        info = failures.describe(exc)
        error_type = info["type"]
        if isinstance(exc, errors.DeadlineExceeded):
            error_type = getattr(self.definition, "timeout_error_type", "TimeoutError")
        outcome = base.Outcome(
            "failed",
            error_type=error_type,
            error_message=info["message"],
            error_traceback=info["traceback"],
        )
        self.rt.log.info("workflow %s failed: %s: %s", self.wf.id, error_type, exc)
        self._end(lambda now: self.rt.store.finish(self.fence, outcome, now), as_="failed")

    def _end(
        self, write: Callable[[float], None], *, ended: bool = True, as_: str = "completed"
    ) -> None:
        try:
            deferred, self.deferred = self.deferred, None
            if deferred is not None:
                deferred()  # children submitted since the last durable point
            write(self.rt.clock.time())
        except errors.LeaseLost:
            self.rt.log.warning("workflow %s: lease lost before its outcome was stored", self.wf.id)
            return
        except Exception as exc:
            self.rt.log.warning(
                "workflow %s: its outcome was not stored (%s: %s); the lease will lapse and "
                "another run will redo it",
                self.wf.id,
                type(exc).__name__,
                exc,
            )
            return
        self.outcome = as_
        if ended and self.wf.parent_id is not None:
            fanout.child_ended(self.rt, self.wf.parent_id)
        self.rt.notifier.run_ended(self.wf.id)
        if not ended:
            self.rt.notifier.work_available()
