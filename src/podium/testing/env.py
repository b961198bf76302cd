"""`TestEnv`: an app on a fresh temporary store and a fake clock, driven by the test.

Nothing runs on its own: `run_until_idle()` runs every workflow that is ready now (in the
calling thread, so a test is deterministic), `advance(...)` moves the fake clock to each due
timer, retry, wake-up and schedule tick in order and runs what falls due. `app.run` under
the env skips ahead to its own timers, and workers started with `app.worker()` follow the
same fake clock.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from podium import app as app_mod
from podium import clock as clock_mod
from podium import definitions, errors
from podium import workflow as workflow_mod
from podium.engine import runtime as runtime_mod
from podium.engine import worker
from podium.patterns import schedule
from podium.store import base, factory
from podium.testing import binding, crash, faultystore, tracker
from podium.types import TERMINAL_STATUSES

START = 1_700_000_000.0
"""Where the fake clock starts (2023-11-14 22:13:20 UTC) unless told otherwise."""
MAX_RUNS = 100_000
"""Runs one `run_until_idle` may execute before it decides a workflow loops for ever."""
BACKGROUND_WAIT = 30.0
"""Real seconds `run_until_idle` waits for runs in flight on background workers."""
_LISTED = 100_000


class TestEnv:
    """An App on a temporary SQLite store and a `FakeClock`, for tests.

    Use it as a context manager (it closes the store and deletes the folder, and gives the
    app back its own store and clock). `crash_at` and `fail_store` inject failures.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, app: app_mod.App, *, start: float | dt.datetime = START) -> None:
        if isinstance(start, dt.datetime):
            start = start.timestamp()
        self.app = app
        self.clock = clock_mod.FakeClock(float(start))
        self.faults = faultystore.Faults()
        self.crashes = crash.CrashPoints()
        self.tracker = tracker.RunTracker()
        self._folder = Path(tempfile.mkdtemp(prefix="podium-test-"))
        inner = factory.open_store(f"sqlite:///{self._folder / 'podium.db'}")
        self.store = faultystore.FaultyStore(inner, self.faults)
        self._binding: binding.Binding | None = binding.Binding(app, self.store, self.clock)
        self._owner: str | None = None
        self._scheduler: schedule.Scheduler | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> TestEnv:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the app's test workers, close the store, delete it, restore the app."""
        if self._binding is not None:
            self._binding.restore()
            self._binding = None
        shutil.rmtree(self._folder, ignore_errors=True)

    @property
    def runtime(self) -> runtime_mod.Runtime:
        """The app's engine in this env, with the env's hooks plugged in."""
        rt = self.app.runtime
        rt.hooks.add_step_wrapper(self.crashes)
        rt.hooks.add_interceptor(self.tracker)
        return rt

    # -- starting --------------------------------------------------------------------------

    def start(
        self, workflow: definitions.Workflow | str, /, *args: Any, **kwargs: Any
    ) -> workflow_mod.WorkflowHandle:
        """`app.start(...)` (same options); run it with `run_until_idle` or `advance`."""
        self.runtime  # noqa: B018 - plug the env's hooks in before anything runs
        return self.app.start(workflow, *args, **kwargs)

    def run(self, workflow: definitions.Workflow | str, /, *args: Any, **kwargs: Any) -> Any:
        """`app.run(...)`: run it here to its end, skipping ahead to its timers."""
        self.runtime  # noqa: B018
        return self.app.run(workflow, *args, **kwargs)

    @property
    def database_path(self) -> str:
        """The temporary SQLite file of the store (deleted when the env closes)."""
        return str(self._folder / "podium.db")

    def now(self) -> float:
        """The fake clock's time, in seconds since the epoch."""
        return self.clock.time()

    # -- time ------------------------------------------------------------------------------

    def advance(
        self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0, days: float = 0.0
    ) -> None:
        """Move the fake clock forward, running what falls due on the way, in order.

        Each timer, retry backoff, wake-up and schedule tick fires at its own moment (the
        clock stops there and everything ready runs) before the clock moves on.
        """
        total = seconds + 60.0 * minutes + 3600.0 * hours + 86400.0 * days
        if total < 0:
            raise ValueError("advance() moves time forward only")
        target = self.clock.time() + total
        self.run_until_idle()
        while True:
            due = self._next_due()
            if due is None or due > target:
                break
            self._move_to(due)
            self.run_until_idle()
        self._move_to(target)
        self.run_until_idle()

    def run_until_idle(self) -> None:
        """Run everything ready now until nothing more is (runs in flight elsewhere too).

        A run that died (`crash_at`, a store fault at its end) holds its workflow until its
        lease expires; that expiry is recovery, not a timer of yours, so the clock moves past
        it and the workflow is resumed here.
        """
        rt = self.runtime
        ran = 0
        while True:
            self._fire_schedules()
            claims = self._claim(rt)
            for claim in claims:
                self._execute(rt, claim)
                ran += 1
            if ran > MAX_RUNS:
                raise RuntimeError(
                    f"run_until_idle ran {MAX_RUNS} runs without becoming idle; does a workflow "
                    "wake itself up for ever?"
                )
            if claims:
                continue
            if self._wait_for_background():
                continue
            expiry = self._abandoned_lease()
            if expiry is None:
                return
            self._move_to(expiry)

    # -- faults ----------------------------------------------------------------------------

    def crash_at(
        self,
        workflow: definitions.Workflow | str,
        step: str | definitions.Step,
        when: str = "before",
        times: int = 1,
    ) -> crash.Point:
        """Make the worker running `workflow` die at `step`, `when` "before" or "after" it runs.

        The run is abandoned without releasing the workflow; its lease expires under the fake
        clock and another run resumes it. Each workflow instance dies there `times` times.
        """
        name = workflow if isinstance(workflow, str) else workflow.name
        step_name = step if isinstance(step, str) else step.name
        return self.crashes.add(crash.Point(name, step_name, when, times))

    def fail_store(self, rate: float = 0.01, seed: int | None = None) -> None:
        """Fail `rate` of the engine's store calls with a transient `InjectedStoreFault`.

        `rate=0` stops it. The test's own calls (start, result) are never failed.
        """
        self.faults.set(rate, seed)

    @property
    def injected_faults(self) -> int:
        """How many store faults were injected so far."""
        return self.faults.injected

    # -- inside ----------------------------------------------------------------------------

    def _move_to(self, moment: float) -> None:
        now = self.clock.time()
        if moment > now:
            self.clock.advance(moment - now)
        rt = self.app.runtime
        rt.leases.renew()  # live runs keep their leases across the jump
        rt.notifier.work_available()

    def _claim(self, rt: runtime_mod.Runtime) -> list[base.Claim]:
        if self._owner is None:
            self._owner = rt.new_owner("testenv")
        queues = list(dict.fromkeys([*self.app.served_queues(), *self._queues()]))
        try:
            with self.faults.engine():
                claims = rt.store.claim(
                    self._owner,
                    queues,
                    16,
                    self.clock.time(),
                    rt.settings.lease_seconds,
                    rt.workflow_names(),
                )
        except faultystore.InjectedStoreFault:
            return self._claim(rt)
        return claims

    def _execute(self, rt: runtime_mod.Runtime, claim: base.Claim) -> None:
        with self.faults.engine():
            try:
                worker.execute(rt, claim, threading.Event())
            except faultystore.InjectedStoreFault:
                try:  # the run could not start (its history did not load): hand it back
                    rt.store.release(claim.fence, self.clock.time())
                except (faultystore.InjectedStoreFault, errors.LeaseLost):
                    pass  # its lease will lapse and it is taken over

    def _fire_schedules(self) -> float | None:
        if self._scheduler is None:
            self._scheduler = schedule.Scheduler(self.app.runtime)
        return self._scheduler.run_once()

    def _unfinished(self) -> list[base.WorkflowRecord]:
        store = self.store
        return [
            record
            for status in ("pending", "waiting", "running")
            for record in store.list_workflows(status=status, limit=_LISTED)
        ]

    def _queues(self) -> set[str]:
        return {record.queue for record in self._unfinished()}

    def _next_due(self) -> float | None:
        """The earliest moment something falls due: a wake-up, a lease expiry, a tick."""
        moments = [
            r.claimable_at
            for r in self._unfinished()
            if r.claimable_at is not None and r.status not in TERMINAL_STATUSES
        ]
        tick = self._fire_schedules()
        if tick is not None:
            moments.append(tick)
        return min(moments) if moments else None

    def _wait_for_background(self) -> bool:
        """Wait for runs in flight on background workers; whether there were any."""
        if not self.tracker.in_flight():
            return False
        give_up = time.monotonic() + BACKGROUND_WAIT
        while self.tracker.in_flight() and time.monotonic() < give_up:
            time.sleep(0.001)
        return True

    def _abandoned_lease(self) -> float | None:
        """The earliest lease expiry of a workflow held by a run that is no longer running."""
        flying = self.tracker.in_flight()
        now = self.clock.time()
        leases = [
            r.lease_until
            for r in self.store.list_workflows(status="running", limit=_LISTED)
            if r.id not in flying and r.lease_until is not None and r.lease_until > now
        ]
        return min(leases) if leases else None
