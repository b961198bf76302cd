"""Cron schedules in the store, shared by every worker: written once against a Connector.

One `podium_schedules` row per scheduled workflow holds its next unfired tick. A worker fires
due ticks with a conditional UPDATE of `next_tick` (only the worker that read that value
wins) in the same transaction that inserts each tick's workflow under an id derived from the
schedule and the tick time (insert-or-ignore): a tick is never fired twice, and a crash
before the commit leaves it for the next worker.
"""

from __future__ import annotations

import dataclasses

from podium.store import base, decode, queries


@dataclasses.dataclass(frozen=True)
class ScheduleRow:
    """A stored schedule: what it runs, when, and where it stands."""

    name: str
    workflow: str
    cron: str
    timezone: str
    catchup: str
    queue: str
    next_tick: float
    last_tick: float | None
    paused: bool
    created_at: float
    updated_at: float


class Schedules(queries.Feature, sql="schedules"):
    """The schedule verbs over one store's connector; each is one statement or transaction."""

    def save(self, row: ScheduleRow) -> None:
        """Insert a schedule, or update its definition (next_tick moves only if cron changed)."""
        params = dataclasses.asdict(row)
        params["now"] = row.updated_at
        self._c.execute(self._q["upsert"], params)

    def forget(self, name: str) -> None:
        """Delete the schedule `name`, if stored."""
        self._c.execute(self._q["forget"], {"name": name})

    def all(self) -> list[ScheduleRow]:
        """Every stored schedule, by name."""
        return [decode.row(ScheduleRow, r) for r in self._c.query(self._q["all"], {})]

    def get(self, name: str) -> ScheduleRow | None:
        """The schedule `name`, or None."""
        rows = self._c.query(self._q["get"], {"name": name})
        return decode.row(ScheduleRow, rows[0]) if rows else None

    def fire(
        self,
        row: ScheduleRow,
        new_next: float,
        last_tick: float | None,
        runs: list[base.NewWorkflow],
        now: float,
    ) -> bool:
        """Advance `row` from its next_tick to `new_next` and store `runs`, atomically.

        False (and nothing written) when another worker advanced it first or it was paused.
        """
        advance = {
            "name": row.name,
            "old_next": row.next_tick,
            "new_next": new_next,
            "last_tick": last_tick,
            "now": now,
        }
        create = queries.load(self._c.dialect, "workflows")["create_workflow"]
        return self._guarded(
            (self._q["advance"], advance), [(create, new.row(now)) for new in runs]
        )

    def pause(self, name: str, now: float) -> bool:
        """Stop firing `name`; False if there is no such schedule."""
        return self._c.execute(self._q["pause"], {"name": name, "now": now}).rowcount == 1

    def resume(self, name: str, next_tick: float, now: float) -> bool:
        """Fire `name` again from `next_tick`; False if it was not paused (or is unknown)."""
        params = {"name": name, "next_tick": next_tick, "now": now}
        return self._c.execute(self._q["resume"], params).rowcount == 1
