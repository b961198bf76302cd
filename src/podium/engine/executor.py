"""One run of one claimed workflow: replay its history, run new steps, store the outcome.

A run ends in one of four ways: the function returns (completed), raises (failed), asks to
wait (`Suspend`: the workflow is unloaded until its wake time), or is stopped by the worker
(`Release`) or by losing its lease (`Fenced`). Every write is fenced by the claim's epoch.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from podium import context, definitions, errors, redaction, serialization
from podium.engine import failures, history, hooks, interceptors, stepcall
from podium.engine.runtime import Runtime
from podium.store import base

T = TypeVar("T")
R = TypeVar("R")
X = TypeVar("X")
B = TypeVar("B", bound=context.Batch)

_NOTHING = contextlib.nullcontext()
END_RETRIES = (0.01, 0.1, 0.5)
"""Pauses (seconds) between tries of a run's end write after a transient store fault."""


class _Body:
    """The workflow function's call: its arguments in, its return value out."""

    __slots__ = ("args", "kwargs", "value")

    def __init__(self, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
        self.args = args
        self.kwargs = kwargs
        self.value: Any = None


class _Held:
    """History rows held back to the run's next durable point (see `Execution.hold`).

    A step's result waits here until the run's next new position, which writes it before
    anything else happens, or until the run's end, whose transaction (`Store.finish`) writes
    it with the outcome: the last step of a run and its end cost one commit, not two.
    """

    __slots__ = ("events", "store")

    def __init__(self, store: base.Store, event: base.HistoryEvent) -> None:
        self.store = store
        self.events = [event]

    def commit(self, fence: base.Fence, now: float) -> Sequence[base.HistoryEvent]:
        """Append the held rows, fenced (see `context.Batch`)."""
        for event in self.events:
            self.store.append_history(fence, event)
        return self.events


class Execution:
    """One run of one claimed workflow: its claim, history cursor and failed attempts.

    It implements `context.Run`, the API through which the workflow-only helpers and the
    patterns take history positions and commit events; they never touch its fields.
    """

    def __init__(
        self,
        runtime: Runtime,
        claim: base.Claim,
        definition: definitions.Workflow,
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
        self._batch: context.Batch | None = None
        """Writes held back to be committed together (fan-out's child creations, a step's
        result: see `hold`)."""
        self.claim_next: base.ClaimNext | None = None
        """The worker's next claim, which the store may make in the commit of this run's end
        (see `base.ClaimNext`)."""
        self.open_steps = 0
        """Steps of this run in flight now: more than one only while an `async def` workflow
        runs steps concurrently, whose results are then not held (see `stepcall._record`)."""
        fresh = claim.record.runs <= 1
        store = runtime.store
        events = [] if fresh else store.load_history(self.wf.id)
        self.cursor = history.Cursor(self.wf.id, self.wf.workflow, events)
        self._loaded = events
        self._marked: list[str] = []
        """Step results stored by this run that hold sensitive values (see `scrub`)."""
        self._sensitive: frozenset[str] | None = None
        self.cap = runtime.settings.max_history_events
        self.attempts: dict[int, list[base.Attempt]] = {}
        for attempt in [] if fresh else store.load_attempts(self.wf.id):
            self.attempts.setdefault(attempt.seq, []).append(attempt)

    @property
    def runtime(self) -> Runtime:
        """See `context.Run.runtime`."""
        return self.rt

    @property
    def workflow(self) -> base.WorkflowRecord:
        """See `context.Run.workflow`."""
        return self.wf

    # -- running ---------------------------------------------------------------------------

    def run_sync(self) -> None:
        """Run a `def` workflow to its next end in this thread."""
        with self._running() as body:
            body.value = self.definition.fn(*body.args, **body.kwargs)

    async def run_async(self) -> None:
        """Run an `async def` workflow to its next end on the running loop."""
        with self._running() as body:
            body.value = await self.definition.fn(*body.args, **body.kwargs)

    @contextlib.contextmanager
    def _running(self) -> Iterator[_Body]:
        """Around the workflow function: context, interceptors, lease; conclude the run."""
        token = context.current_run.set(self)
        try:
            chain = self.rt.hooks.interceptors
            with (
                interceptors.run_scope(chain, self._info(), self.rt.clock.time, self)
                if chain
                else _NOTHING
            ):
                try:
                    with self.rt.leases.holding(self.fence):
                        args, kwargs = serialization.loads_call(self.wf.input)
                        body = _Body(args, kwargs)
                        yield body
                except BaseException as exc:
                    self._conclude_error(exc)
                else:
                    self._conclude_value(body.value)
        finally:
            context.current_run.reset(token)

    def _info(self) -> interceptors.RunInfo:
        wf = self.wf
        return interceptors.RunInfo(
            wf.id,
            wf.workflow,
            wf.queue,
            wf.runs,
            self.fence.owner,
            self.claim.takeover,
            wf.parent_id,
        )

    def sensitive(self) -> frozenset[str]:
        """The sensitive values of this workflow's stored payloads (see podium.redaction)."""
        found = self._sensitive
        if found is None:
            texts = [self.wf.input, *(e.payload for e in self._loaded), *self._marked]
            found = self._sensitive = redaction.sensitive_values(texts)
        return found

    def scrub(self, text: str) -> str:
        """`text` with the sensitive values of this workflow's payloads masked."""
        values = self.sensitive()
        return redaction.scrub(text, values) if values else text

    def saw_sensitive(self, payload: str) -> None:
        """A step result with marked values was stored: mask them in later messages too."""
        self._marked.append(payload)
        self._sensitive = None

    call_step = stepcall.call
    """Run or replay a step (see `context.Run.call_step`): `stepcall.call` itself as the
    method, not a method forwarding to it, as every step of every workflow comes this way."""

    # -- history positions (the context.Run API) -------------------------------------------

    def take(self, kind: str, name: str, *, check: bool = True) -> context.Position:
        """See `context.Run.take`."""
        seq, event = self.cursor.advance(kind, name)
        if event is None:
            if seq >= self.cap:
                raise errors.HistoryLimitExceeded(self.wf.id, self.wf.workflow, self.cap)
            if check:
                self.check_continue()
        return context.Position(seq, kind, name, event)

    def upcoming(self) -> base.HistoryEvent | None:
        """See `context.Run.upcoming`."""
        cursor = self.cursor
        if cursor.diverged is not None:
            raise cursor.diverged
        return cursor.events.get(cursor.position)

    def commit(
        self,
        position: context.Position,
        payload: str | None,
        *,
        status: str = "completed",
        started: float | None = None,
        via: Callable[[base.Fence, base.HistoryEvent], object] | None = None,
    ) -> base.HistoryEvent:
        """See `context.Run.commit`.

        With `redact=` paths, or sensitive values seen earlier, the payload (a received
        message or event, an update's result, ...) is marked as the workflow's others are.
        """
        paths = self.definition.options.redact
        if payload is not None and (paths or self.sensitive()):
            marked = redaction.mark_text(payload, paths, values=self.sensitive())
            if marked != payload:
                payload = marked
                self.saw_sensitive(marked)
        now = self.rt.clock.time()
        event = base.HistoryEvent(
            self.wf.id,
            position.seq,
            position.kind,
            position.name,
            status,
            payload,
            1,
            now if started is None else started,
            now,
        )
        self._fenced(self.rt.store.append_history if via is None else via, event)
        self.cursor.add(event)
        return event

    def guarded(self, call: Callable[[], T]) -> T:
        """See `context.Run.guarded`."""
        return self._fenced(lambda _fence, _nothing: call(), None)

    def batch(self, kind: type[B], make: Callable[[], B]) -> B:
        """See `context.Run.batch`."""
        if isinstance(self._batch, kind):
            return self._batch
        self.flush()
        made = self._batch = make()
        return made

    def recorded(self, kind: str, name: str) -> list[base.HistoryEvent]:
        """See `context.Run.recorded`."""
        found = [e for e in self.cursor.events.values() if e.kind == kind and e.name == name]
        return sorted(found, key=lambda event: event.seq)

    # -- recorded values and timers --------------------------------------------------------

    def record(self, kind: str, make: Callable[[], Any]) -> Any:
        """Replay the value at the next position or record a fresh `make()` there."""
        position = self.take(kind, kind)
        if position.recorded is not None:
            return serialization.loads(position.recorded.payload)
        value = make()
        self.commit(position, serialization.dumps(value))
        return value

    def time(self) -> float:
        """The engine clock's current time."""
        return self.rt.clock.time()

    def timer(self, seconds: float) -> float:
        """Record (or replay) a timer; suspend if its wait is long, else return what is left."""
        position = self.take("sleep", "sleep")
        if position.recorded is not None:
            fire_at = float(serialization.loads(position.recorded.payload))
        else:
            now = self.rt.clock.time()
            fire_at = now + seconds
            self.append(
                base.HistoryEvent(
                    self.wf.id,
                    position.seq,
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
        """Before new work: flush held-back writes; stop if shutting down or past the deadline."""
        if self._batch is not None:
            self.flush()
        if self.releasing.is_set():
            raise errors.Release()
        deadline = self.wf.deadline
        if deadline is not None and self.rt.clock.time() > deadline:
            raise errors.DeadlineExceeded(self.wf.id, deadline - self.wf.created_at)

    def flush(self) -> None:
        """Make held-back writes durable now, under the fence (see `batch`)."""
        batch, self._batch = self._batch, None
        if type(batch) is _Held:  # a step's result (every step): no clock read, one call less
            for event in batch.events:
                self._fenced(self.rt.store.append_history, event)
                self.cursor.add(event)
        elif batch is not None:
            for event in self._fenced(batch.commit, self.rt.clock.time()):
                self.cursor.add(event)

    def hold(self, event: base.HistoryEvent) -> None:
        """Append `event` at the run's next durable point, or with its end (see `_Held`).

        Until then a crash loses it, and the next run runs its step again: steps run at least
        once, and a result is still committed at most once (fenced, never overwritten).
        """
        batch = self._batch
        if type(batch) is _Held:
            batch.events.append(event)
            return
        if batch is not None:
            self.flush()  # another kind first, so writes keep their order
        self._batch = _Held(self.rt.store, event)

    def append(self, event: base.HistoryEvent) -> None:
        """Append to history under the fence; a lost lease stops this run."""
        self._fenced(self.rt.store.append_history, event)
        self.cursor.add(event)

    def record_attempt(self, attempt: base.Attempt) -> None:
        """Record a failed attempt under the fence."""
        self._fenced(self.rt.store.record_attempt, attempt)
        self.attempts.setdefault(attempt.seq, []).append(attempt)

    def _fenced(self, write: Callable[[base.Fence, X], R], item: X) -> R:
        """`write(fence, item)`: a lost lease stops the run, a store fault hands it back.

        Podium's own errors (a message to a workflow that does not exist, say) reach the
        workflow code like any error of the call that caused them.
        """
        try:
            return write(self.fence, item)
        except errors.LeaseLost:
            raise errors.Fenced() from None
        except errors.PodiumError:
            raise
        except Exception as exc:
            raise errors.StoreFault(exc) from exc

    # -- endings ---------------------------------------------------------------------------

    def _retried(self, write: Callable[[float], R]) -> R:
        """`write(now)`, tried again after a transient store fault (`END_RETRIES` delays).

        The end of a run is one fenced write: a fault that kept it from landing would
        otherwise cost a lease period and a re-run of the last step. A retry of a write
        that did land finds the run's lease gone (LeaseLost), as a stale write would.
        """
        for delay in END_RETRIES:
            try:
                return write(self.rt.clock.time())
            except errors.PodiumError:
                raise
            except Exception as exc:
                self.rt.log.info(
                    "workflow %s: storing its end failed (%s); retrying", self.wf.id, exc
                )
                time.sleep(delay)  # real time: a fake clock must not jump for a fault
        return write(self.rt.clock.time())

    def _conclude_value(self, value: Any) -> None:
        try:
            self.cursor.check_fully_replayed()
            output = serialization.dumps(
                value,
                what=f"result of workflow {self.wf.workflow!r}",
                limit=self.rt.settings.max_payload_bytes,
            )
            paths, values = self.definition.options.redact, self.sensitive()
            if paths or values:
                output = redaction.mark_text(output, paths, values=values)
        except errors.PodiumError as exc:
            self._conclude_error(exc)
            return
        self._finish(base.Outcome("completed", output))
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
        info = failures.describe(exc, self.scrub)
        error_type = info["type"]
        if isinstance(exc, errors.DeadlineExceeded):
            error_type = self.definition.timeout_error_type
        outcome = base.Outcome(
            "failed",
            error_type=error_type,
            error_message=info["message"],
            error_traceback=info["traceback"],
        )
        self.rt.log.info("workflow %s failed: %s: %s", self.wf.id, error_type, info["message"])
        self._finish(outcome, as_="failed")

    def _finish(self, outcome: base.Outcome, *, as_: str = "completed") -> None:
        """Store the run's final `outcome`; rows held back (`hold`) commit with it."""
        batch = self._batch
        held: Sequence[base.HistoryEvent] = ()
        if isinstance(batch, _Held):
            self._batch = None
            held = batch.events
        store, fence, parent_id = self.rt.store, self.fence, self.wf.parent_id
        then = self.claim_next
        self._end(
            lambda now: store.finish(
                fence, outcome, now, parent_id=parent_id, history=held, then_claim=then
            ),
            as_=as_,
        )

    def _end(
        self, write: Callable[[float], object], *, ended: bool = True, as_: str = "completed"
    ) -> None:
        """Store the run's end with `write(now)`; a True from it means the parent was woken."""
        try:
            batch, self._batch = self._batch, None
            if batch is not None:
                batch.commit(self.fence, self.rt.clock.time())  # held back since the last write
            parent_woken = self._retried(write) is True
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
        if self.rt.hooks.run_listeners:
            self.rt.hooks.run_ended(hooks.RunEnd(self.wf, as_, parent_woken))
        self.rt.notifier.run_ended(self.wf.id)
        if not ended:
            self.rt.notifier.work_available()
