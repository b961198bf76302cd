"""Workers: claim ready workflows from the store and run them on threads (or the loop).

Any number of workers in any number of processes may serve one store. A stopping worker
hands its in-flight workflows back at their next step boundary so no work waits for a lease.
"""

from __future__ import annotations

import concurrent.futures
import signal
import threading
import types
from collections.abc import Sequence
from typing import Any

from podium import errors
from podium.engine import affinity, executor, hooks
from podium.engine.runtime import Runtime
from podium.store import base

UNKNOWN_WORKFLOW_RETRY = 30.0
BEAT_LEASES = 3
"""A worker's registration expires this many lease periods after its last heartbeat."""
FORGET_AFTER = 3600.0
"""A starting worker deletes registrations that expired this many seconds ago."""
QUIET_BEFORE_LOOKUP = 0.002
"""An idle worker asks the store for the next due time only after this long without work:
a caller that waits for a result usually starts its next workflow at once, and the lookup
would only delay that claim."""


def prepare(
    rt: Runtime, claim: base.Claim, releasing: threading.Event
) -> executor.Execution | None:
    """An Execution for `claim`, or None when this process cannot run that workflow."""
    definition = rt.registry.workflows.get(claim.record.workflow)
    if definition is None:
        rt.log.error(
            "workflow %s: no workflow named %r is registered in app %r; parked for %ss so a "
            "worker that has it can take it",
            claim.record.id,
            claim.record.workflow,
            rt.name,
            UNKNOWN_WORKFLOW_RETRY,
        )
        now = rt.clock.time()
        rt.store.suspend(claim.fence, now + UNKNOWN_WORKFLOW_RETRY, now)
        return None
    if claim.takeover:
        rt.log.warning("workflow %s: took over from an expired lease", claim.record.id)
    return executor.Execution(rt, claim, definition, releasing)


def execute(
    rt: Runtime, claim: base.Claim, releasing: threading.Event
) -> executor.Execution | None:
    """Run one claimed workflow to its next end, in this thread; return the finished run."""
    run = prepare(rt, claim, releasing)
    if run is None:
        return None
    if run.is_async:
        rt.loop().run(run.run_async())
    else:
        run.run_sync()
    return run


class Worker:
    """Runs stored workflows with up to `concurrency` at once, from the given queues.

    `cpu`: keep the worker's threads on this CPU (a number, or "auto": one picked by host name
    and process id), or None to let the OS place them; see `podium.engine.affinity`.
    """

    def __init__(
        self,
        runtime: Runtime,
        concurrency: int = 16,
        queues: Sequence[str] | None = None,
        cpu: int | str | None = None,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise errors.ConfigurationError(f"concurrency={concurrency!r} must be an int >= 1")
        queues = ["default"] if queues is None else list(queues)
        if not queues or not all(isinstance(q, str) and q for q in queues):
            raise errors.ConfigurationError(
                f"queues={queues!r} must be a non-empty list of queue names"
            )
        self.cpu = affinity.choose(cpu)
        """The CPU this worker's threads stay on, None when the OS places them."""
        self.rt = runtime
        self.concurrency = concurrency
        self.queues = queues
        self.owner = runtime.new_owner("worker")
        self._stopping = threading.Event()
        self._releasing = threading.Event()
        self._active = 0
        self._lock = threading.Condition()
        self._pool = concurrent.futures.ThreadPoolExecutor(
            concurrency,
            thread_name_prefix="podium-worker",
            initializer=None if self.cpu is None else self._pin,
        )
        self._dispatcher: threading.Thread | None = None
        self._services: list[hooks.Service] = []
        """What runs beside this worker (e.g. the cron scheduler), from the app's hooks."""
        self._backlog = False
        """True while the last claim found as much work as it asked for: there may be more."""
        self._drained = False
        """True when the last run to end stopped because the store had nothing ready for it."""
        self._next_beat = 0.0
        self._claimed_at = 0.0
        """When the dispatcher last looked for due work (`_idle_wait` asks what falls due after)."""

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> Worker:
        """Start claiming in background threads; returns self."""
        if self._dispatcher is None:
            self._register()
            self.rt.listen()
            self._dispatcher = threading.Thread(
                target=self._dispatch_loop, name="podium-dispatch", daemon=True
            )
            self._dispatcher.start()
            self._services = [make() for make in self.rt.hooks.services]
            for service in self._services:
                service.start()
        return self

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM (or `stop()` from another thread), then stop cleanly."""
        restore = self._install_signal_handlers()
        try:
            self.start()
            while not self._stopping.wait(0.5):
                pass
        finally:
            self.stop()
            for signum, handler in restore.items():
                signal.signal(signum, handler)

    def stop(self, timeout: float | None = None) -> None:
        """Stop claiming; in-flight workflows finish their current step and are handed back."""
        self._stopping.set()
        self._releasing.set()
        self.rt.notifier.work_available()
        with self._lock:
            self._lock.notify_all()  # a dispatcher waiting for a free slot
        if self._dispatcher is not None:
            self._dispatcher.join()
        for service in self._services:
            service.stop()
        wait = self.rt.settings.lease_seconds * 2 if timeout is None else timeout
        with self._lock:
            self._lock.wait_for(lambda: self._active == 0, timeout=wait)
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._dispatcher is not None:
            try:
                self.rt.store.forget_worker(self.owner)
            except Exception:
                self.rt.log.warning("worker %s: could not remove its registration", self.owner)

    def _register(self) -> None:
        """Record in the store that this worker lives (first heartbeat); forget dead ones."""
        self._beat()
        try:
            self.rt.store.forget_dead_workers(self.rt.clock.time() - FORGET_AFTER)
        except Exception:
            self.rt.log.warning("worker %s: could not prune dead workers", self.owner)

    def _beat(self) -> None:
        """Heartbeat: what this worker serves (queues, workflow names), for `show` and `ls`.

        Written at most once per lease period; a failure is logged and retried next time.
        """
        rt = self.rt
        now = rt.clock.time()
        if now < self._next_beat:
            return
        lease = rt.settings.lease_seconds
        self._next_beat = now + lease
        info = base.WorkerInfo(
            owner=self.owner,
            app=rt.name,
            queues=tuple(self.queues),
            workflows=tuple(rt.workflow_names()),
            started_at=now,
            beat_at=now,
            expires_at=now + lease * BEAT_LEASES,
        )
        try:
            rt.store.beat_worker(info, now)
        except Exception:
            rt.log.warning("worker %s: heartbeat failed; retrying", self.owner, exc_info=True)

    @property
    def active(self) -> int:
        """Workflows running on this worker now."""
        return self._active

    def _install_signal_handlers(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}

        def handle(signum: int, frame: types.FrameType | None) -> None:
            self.rt.log.info(
                "worker %s: signal %d, stopping after current steps", self.owner, signum
            )
            self._stopping.set()

        return {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}

    def _pin(self) -> None:
        """Keep the calling thread (the dispatcher, a runner) on this worker's CPU."""
        affinity.pin(self.cpu, self.owner)

    def _dispatch_loop(self) -> None:
        self._pin()
        rt = self.rt
        while not self._stopping.is_set():
            self._beat()
            free = self.concurrency - self._active
            if free <= 0:
                self._wait_for_slot()
                if self._drained:
                    # The run that freed the slot had just found nothing ready: asking again
                    # now would find nothing too. Work that arrived since then has set the
                    # signal (not waited on while every slot was busy), so this returns then.
                    self._drained = False
                    self._wait_for_work()
                continue
            self._claimed_at = rt.clock.time()
            claims = self._claim(free)
            for claim in claims:
                self._launch(claim)
            if len(claims) < free:
                # The store had no more ready work when it was asked: claiming again at once
                # would only find nothing. Work that arrives meanwhile has set the signal, so
                # this returns at once then; slots freed by queue limits are refilled by the
                # runners, which claim their next workflow themselves.
                self._wait_for_work()

    def _wait_for_work(self) -> None:
        """Wait for a new-work signal, briefly first, then until a row may fall due."""
        if not self.rt.notifier.wait_for_work(QUIET_BEFORE_LOOKUP):
            self.rt.notifier.wait_for_work(self._idle_wait())

    def _idle_wait(self) -> float:
        """Seconds to wait for new work: the poll interval, or less when a row falls due.

        Timers, delayed starts and retry backoffs become due without a signal; waking at
        the first of them (from any process's work in the store) takes it on time instead
        of up to a poll interval late. A failed lookup waits the plain interval.
        """
        rt = self.rt
        poll = rt.settings.poll_interval
        try:
            # After the last claim, not after now: a row that fell due since then is a wait of 0.
            due = rt.store.next_due(self.queues, self._claimed_at, rt.workflow_names())
        except Exception:
            rt.log.debug("worker %s: next-due lookup failed", self.owner, exc_info=True)
            return poll
        return poll if due is None else min(poll, max(due - rt.clock.time(), 0.0))

    def _wait_for_slot(self) -> None:
        """Block while every slot is busy (until a run ends, `stop`, or the poll interval).

        New-work signals are not waited on here: with no free slot they could only wake
        this thread to find nothing to do, and every start would cost such a wake-up. A
        signal that arrives meanwhile stays set, so the next claim still happens at once.
        """
        with self._lock:
            self._lock.wait_for(
                lambda: self._active < self.concurrency or self._stopping.is_set(),
                timeout=self.rt.settings.poll_interval,
            )

    def _claim(self, limit: int) -> list[base.Claim]:
        rt = self.rt
        try:
            claims = rt.store.claim(
                self.owner,
                self.queues,
                limit,
                rt.clock.time(),
                rt.settings.lease_seconds,
                rt.workflow_names(),
            )
            self._backlog = len(claims) == limit
            return claims
        except Exception:
            rt.log.exception("worker %s: claiming failed; retrying", self.owner)
            self._stopping.wait(rt.settings.poll_interval * 10)
            return []

    def _launch(self, claim: base.Claim) -> None:
        with self._lock:
            self._active += 1
        future: concurrent.futures.Future[Any]
        if self._is_async(claim):
            future = self.rt.loop().submit(self._run_async(claim))
        else:
            future = self._pool.submit(self._run_sync, claim)
        future.add_done_callback(self._finished)

    def _is_async(self, claim: base.Claim) -> bool:
        definition = self.rt.registry.workflows.get(claim.record.workflow)
        return definition is not None and bool(definition.is_async)

    def _run_sync(self, claim: base.Claim) -> bool:
        """Run `claim`, then keep this thread busy with the next ready workflow, if any.

        Claiming the next workflow here instead of in the dispatcher saves two thread
        hand-offs per workflow; concurrent claims share a commit through group commit.
        True when it stops because the store had nothing ready for it: asked just now, or
        asked by the dispatcher's last claim, which came back short from queues without limits.
        """
        while True:
            claims = self._execute_sync(claim)
            if claims is None:  # none was made with the run's end: claim now, if worth it
                if self._stopping.is_set():
                    return False
                if not self._backlog:  # the last claim found all there was, unless limited
                    return not self._claims_may_wait()
                claims = self._claim(1)
            elif self._stopping.is_set():
                for made in claims:
                    self._hand_back(made)
                return False
            else:
                self._backlog = bool(claims)
            if not claims:
                return True
            claim = claims[0]
            if self._is_async(claim):
                self._launch(claim)
                return False

    def _claims_may_wait(self) -> bool:
        """Whether a short claim of this worker's queues may have left ready work behind."""
        check = self.rt.hooks.claims_may_wait
        if check is None:
            return True
        try:
            return check(self.queues)
        except Exception:
            self.rt.log.debug("worker %s: could not read queue limits", self.owner, exc_info=True)
            return True

    def _execute_sync(self, claim: base.Claim) -> list[base.Claim] | None:
        """Run `claim`; the claims the store made for this thread with its end, if it did.

        While there is a backlog, the run's end may carry this thread's next claim (see
        `base.ClaimNext`): one commit, and one wait for it, instead of two.
        """
        request = self._claim_next()
        try:
            run = prepare(self.rt, claim, self._releasing)
            if run is not None:
                run.claim_next = request
                run.run_sync()
        except Exception:
            self.rt.log.exception("workflow %s: worker error; handing it back", claim.record.id)
            self._hand_back(claim)
        return None if request is None else request.claims

    def _claim_next(self) -> base.ClaimNext | None:
        """What `_claim(1)` would ask, for the store to claim with a run's end; None: nothing."""
        if self._stopping.is_set() or not self._backlog:
            return None
        rt = self.rt
        return base.ClaimNext(
            self.owner, self.queues, rt.settings.lease_seconds, rt.workflow_names()
        )

    async def _run_async(self, claim: base.Claim) -> None:
        try:
            run = prepare(self.rt, claim, self._releasing)
            if run is not None:
                await run.run_async()
        except Exception:
            self.rt.log.exception("workflow %s: worker error; handing it back", claim.record.id)
            self._hand_back(claim)

    def _hand_back(self, claim: base.Claim) -> None:
        """After an unexpected error, release the workflow so it is retried, not stuck."""
        try:
            self.rt.store.release(claim.fence, self.rt.clock.time())
        except Exception:
            self.rt.log.exception(
                "workflow %s: could not hand it back; its lease will "
                "be taken over after this worker stops",
                claim.record.id,
            )

    def _finished(self, future: concurrent.futures.Future[Any]) -> None:
        """A run ended: free its slot, and have the dispatcher claim unless nothing is ready.

        A runner that stopped because the store had nothing ready for it (it was just asked)
        needs no claim from the dispatcher too (`_drained`): work that arrives later
        signals on its own.
        """
        drained = not future.cancelled() and future.exception() is None and future.result()
        with self._lock:
            self._active -= 1
            self._drained = drained is True
            self._lock.notify_all()
        if drained is not True:
            self.rt.notifier.work_available()
