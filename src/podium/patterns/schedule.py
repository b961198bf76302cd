"""Cron schedules: `@app.workflow(schedule="*/5 * * * *")` runs once per tick, cluster-wide.

Cron expressions are croniter's (five fields, or six with seconds last), read in the
schedule's `timezone`. Every worker runs a `Scheduler` thread; a due tick is fired by one of
them only (see podium.store.schedules), as a workflow whose id is `NAME@TICK` (the tick in
UTC, ISO 8601). Ticks that fell while no worker was up are caught up by the `catchup` policy:

- "latest" (default): run the newest missed tick once;
- "all": run every missed tick, oldest first (at most MAX_CATCHUP per pass);
- "none": run the newest tick only if it is at most MISFIRE_GRACE seconds late.

A workflow with one parameter receives its tick as a timezone-aware datetime.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import zoneinfo
from typing import Any

from podium import definitions, errors, serialization
from podium.engine import background
from podium.engine.runtime import Runtime
from podium.store import base
from podium.store import schedules as schedule_store

CATCHUP = ("latest", "all", "none")
MAX_CATCHUP = 1000
"""Most missed ticks one pass fires under catchup="all"; the next pass goes on from there."""
MISFIRE_GRACE = 60.0
"""How late a tick may fire under catchup="none" (a scheduler pass is never that late)."""
IDLE_CAP = 1.0
"""Longest a scheduler sleeps between looks at the table (pauses, resumes, new schedules)."""


@functools.cache
def _croniter() -> Any:
    try:
        import croniter
    except ImportError:
        raise errors.ConfigurationError(
            "schedule= needs the croniter package; install it with: pip install 'podium[schedule]'"
        ) from None
    return croniter.croniter


@dataclasses.dataclass(frozen=True)
class Schedule:
    """When a workflow runs: a cron expression in a timezone, and what to do with missed ticks."""

    cron: str
    timezone: str = "UTC"
    catchup: str = "latest"

    def __post_init__(self) -> None:
        if not isinstance(self.cron, str) or not _croniter().is_valid(self.cron):
            raise errors.ConfigurationError(
                f"schedule={self.cron!r} is not a cron expression; write e.g. '*/5 * * * *' "
                "(minute hour day month weekday, optionally a sixth field for seconds)"
            )
        self.zone()
        if self.catchup not in CATCHUP:
            raise errors.ConfigurationError(
                f"catchup={self.catchup!r} must be one of {', '.join(map(repr, CATCHUP))}"
            )

    def zone(self) -> zoneinfo.ZoneInfo:
        """The timezone the expression is read in."""
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            raise errors.ConfigurationError(
                f"timezone={self.timezone!r} is not an IANA timezone name such as "
                "'UTC' or 'Europe/Berlin'"
            ) from None

    def next_after(self, moment: float) -> float:
        """The first tick strictly after `moment` (epoch seconds)."""
        start = dt.datetime.fromtimestamp(moment, self.zone())
        found: dt.datetime = _croniter()(self.cron, start).get_next(dt.datetime)
        return found.timestamp()

    def latest_until(self, moment: float) -> float:
        """The last tick at or before `moment`."""
        after = dt.datetime.fromtimestamp(self.next_after(moment), self.zone())
        found: dt.datetime = _croniter()(self.cron, after).get_prev(dt.datetime)
        return found.timestamp()

    def plan(self, next_tick: float, now: float) -> tuple[list[float], float]:
        """(ticks to fire at `now`, the new next tick) for a schedule due since `next_tick`."""
        if self.catchup == "all":
            ticks = [next_tick]
            while len(ticks) < MAX_CATCHUP:
                following = self.next_after(ticks[-1])
                if following > now:
                    return ticks, following
                ticks.append(following)
            return ticks, self.next_after(ticks[-1])
        latest = max(next_tick, self.latest_until(now))
        following = self.next_after(now)
        if self.catchup == "none" and now - latest > MISFIRE_GRACE:
            return [], following
        return [latest], following

    def describe_tick(self, tick: float) -> dt.datetime:
        """A tick as an aware datetime in the schedule's timezone."""
        return dt.datetime.fromtimestamp(tick, self.zone())


def run_id(name: str, tick: float) -> str:
    """The workflow id of `name`'s run for `tick`: the same on every worker."""
    return f"{name}@{dt.datetime.fromtimestamp(tick, dt.UTC).isoformat()}"


def check_signature(definition: definitions.Workflow) -> None:
    """A scheduled workflow takes no argument, or one (its tick); else ConfigurationError."""
    for args in ((), (dt.datetime.now(dt.UTC),)):
        try:
            definition.signature.bind(*args)
            return
        except TypeError:
            continue
    raise errors.ConfigurationError(
        f"scheduled workflow {definition.name!r} must take no argument or one (the tick, "
        f"a datetime); it takes {definition.signature}"
    )


@dataclasses.dataclass(frozen=True)
class ScheduleInfo:
    """A schedule as listed by `app.schedules()` and `podium schedules`."""

    name: str
    workflow: str
    cron: str
    timezone: str
    catchup: str
    paused: bool
    next_run: dt.datetime
    last_run: dt.datetime | None


def upcoming(info: ScheduleInfo, count: int = 3) -> list[dt.datetime]:
    """The schedule's next `count` ticks from its next run on (none while it is paused)."""
    if info.paused:
        return []
    spec = Schedule(info.cron, info.timezone, info.catchup)
    ticks = [info.next_run]
    while len(ticks) < count:
        ticks.append(spec.describe_tick(spec.next_after(ticks[-1].timestamp())))
    return ticks


def info(row: schedule_store.ScheduleRow) -> ScheduleInfo:
    """The listing view of a stored schedule."""
    zone = Schedule(row.cron, row.timezone, row.catchup).zone()
    last = None if row.last_tick is None else dt.datetime.fromtimestamp(row.last_tick, zone)
    return ScheduleInfo(
        name=row.name,
        workflow=row.workflow,
        cron=row.cron,
        timezone=row.timezone,
        catchup=row.catchup,
        paused=row.paused,
        next_run=dt.datetime.fromtimestamp(row.next_tick, zone),
        last_run=last,
    )


# -- the app side ----------------------------------------------------------------------------


def sync(rt: Runtime, schedules: dict[str, Schedule]) -> None:
    """Store this app's schedules; drop stored ones of its workflows that lost theirs."""
    book = schedule_store.Schedules(rt.store.connector)
    now = rt.clock.time()
    stored = {row.name for row in book.all()}
    for name, definition in rt.registry.workflows.items():
        spec = schedules.get(name)
        if spec is None:
            if name in stored:
                book.forget(name)
            continue
        row = schedule_store.ScheduleRow(
            name=name,
            workflow=name,
            cron=spec.cron,
            timezone=spec.timezone,
            catchup=spec.catchup,
            queue=definition.options.queue,
            next_tick=spec.next_after(now),
            last_tick=None,
            paused=False,
            created_at=now,
            updated_at=now,
        )
        book.save(row)


def listing(store: base.Store) -> list[ScheduleInfo]:
    """Every stored schedule."""
    return [info(row) for row in schedule_store.Schedules(store.connector).all()]


def pause(store: base.Store, name: str, now: float) -> None:
    """Pause schedule `name` (ConfigurationError if unknown)."""
    book = schedule_store.Schedules(store.connector)
    if not book.pause(name, now):
        raise _unknown(book, name)


def resume(store: base.Store, name: str, now: float) -> bool:
    """Resume `name` from its next tick after `now`; False if it was not paused."""
    book = schedule_store.Schedules(store.connector)
    row = book.get(name)
    if row is None:
        raise _unknown(book, name)
    spec = Schedule(row.cron, row.timezone, row.catchup)
    return book.resume(name, spec.next_after(now), now)


@dataclasses.dataclass(frozen=True)
class Trigger:
    """A run of a schedule started by hand ("trigger now"), beside its ticks."""

    id: str
    """`NAME@manual:TIME` (UTC, ISO 8601): never the id of a tick's run."""
    workflow: str
    queue: str
    tick: dt.datetime
    """The moment of the trigger in the schedule's timezone (the workflow's argument)."""


def trigger(store: base.Store, name: str, now: float) -> Trigger:
    """What running schedule `name` now means (ConfigurationError if unknown)."""
    book = schedule_store.Schedules(store.connector)
    row = book.get(name)
    if row is None:
        raise _unknown(book, name)
    moment = dt.datetime.fromtimestamp(now, dt.UTC).isoformat()
    spec = Schedule(row.cron, row.timezone, row.catchup)
    return Trigger(f"{name}@manual:{moment}", row.workflow, row.queue, spec.describe_tick(now))


def _unknown(book: schedule_store.Schedules, name: str) -> errors.ConfigurationError:
    known = ", ".join(row.name for row in book.all()) or "none"
    return errors.ConfigurationError(
        f"no schedule named {name!r} in this store (known: {known}); "
        "podium schedules list shows them"
    )


# -- the worker side -------------------------------------------------------------------------


class Scheduler(background.Loop):
    """A worker's thread that fires the due ticks of the schedules its app can run.

    Stopping lets a tick being fired commit or roll back first.
    """

    name = "podium-scheduler"

    def __init__(self, rt: Runtime) -> None:
        super().__init__(rt.log)
        self.rt = rt
        self._book = schedule_store.Schedules(rt.store.connector)
        self._cap = min(IDLE_CAP, max(rt.settings.poll_interval * 5, 0.01))

    def retry_seconds(self) -> float:
        """See `background.Loop.retry_seconds`."""
        return self._cap

    def step(self) -> float:
        """Fire what is due; wait until the next tick, at most the idle cap."""
        due = self.run_once()
        if due is None:
            return self._cap
        return min(self._cap, max(0.005, due - self.rt.clock.time()))

    def run_once(self) -> float | None:
        """Fire every due tick of this app's schedules; return the earliest next tick."""
        earliest: float | None = None
        for row in self._book.all():
            definition = self.rt.registry.workflows.get(row.workflow)
            if definition is None or row.paused:
                continue
            next_tick = row.next_tick
            if next_tick <= self.rt.clock.time():
                next_tick = self._fire(row, definition)
            earliest = next_tick if earliest is None else min(earliest, next_tick)
        return earliest

    def _fire(self, row: schedule_store.ScheduleRow, definition: definitions.Workflow) -> float:
        spec = Schedule(row.cron, row.timezone, row.catchup)
        now = self.rt.clock.time()
        ticks, following = spec.plan(row.next_tick, now)
        runs = [self._new_run(row, definition, spec, tick, now) for tick in ticks]
        last = ticks[-1] if ticks else row.last_tick
        if self._book.fire(row, following, last, runs, now):
            for tick in ticks:
                self.rt.log.info("schedule %s: fired tick %s", row.name, run_id(row.name, tick))
            if runs:
                self.rt.notifier.work_available()
        return following

    def _new_run(
        self,
        row: schedule_store.ScheduleRow,
        definition: definitions.Workflow,
        spec: Schedule,
        tick: float,
        now: float,
    ) -> base.NewWorkflow:
        args: tuple[Any, ...] = ()
        if definition.signature.parameters:
            args = (spec.describe_tick(tick),)
        payload = serialization.dumps_call(
            args,
            {},
            owner=f"workflow {definition.name!r}",
            names=definition.parameter_names(),
            limit=self.rt.settings.max_payload_bytes,
        )
        timeout = definition.options.timeout
        return base.NewWorkflow(
            id=run_id(row.name, tick),
            workflow=definition.name,
            input=payload,
            queue=row.queue,
            ready_at=now,
            deadline=None if timeout is None else now + timeout,
        )
