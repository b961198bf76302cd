"""Operating running workflows in the store: pause flags, state snapshots, update outcomes.

Tables (migration 0011): `podium_workflows.paused_at` (a paused workflow is not claimed),
`podium_queues.paused` (nothing is claimed from a paused queue; see `podium.store.queues`),
`podium_workflow_state` (the state a workflow declared, as of its last durable point: what
queries read) and `podium_update_results` (each applied update's outcome, for its caller).

Atomicity: a state snapshot and an update outcome are written in the transaction of the
workflow's history row that produced them, fenced by its lease (the outbox shape of
`podium.store.events`), so a snapshot or an answer never exists without its history row, and
a run that lost its lease writes neither. Snapshots only move forward (by history position).
"""

from __future__ import annotations

import dataclasses
import time

from podium.store import base, queries, workflows

PAUSED_REFRESH_SECONDS = 1.0
"""How stale this process's "is anything paused?" answer may be (pauses from elsewhere)."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What became of one update: "applied" (with `result`), "rejected" or "failed"."""

    update_id: str
    name: str
    outcome: str
    result: str | None
    error: str | None
    seq: int


class OperateStore(queries.Feature, sql="operate"):
    """Pause flags, state snapshots and update outcomes, over one store's connector."""

    def __init__(self, connector: base.Connector) -> None:
        super().__init__(connector)
        self._any_paused = True
        self._any_paused_until = 0.0
        self.quiet_until = 0.0
        """Until this `time.monotonic()` moment nothing is paused (as `may_be_paused` last
        read): the step gate's test without a call (0 while something may be paused)."""

    def pause(self, workflow_id: str, now: float) -> bool:
        """Pause an unfinished, unpaused workflow; False when nothing changed."""
        changed = self._c.execute(self._q["pause"], {"id": workflow_id, "now": now}).rowcount == 1
        if changed:
            self._any_paused = True  # this process's gates look at once
            self.quiet_until = 0.0
        return changed

    def may_be_paused(self) -> bool:
        """False when no workflow of the store is paused (read at most once per second).

        The step gate asks this before each step, so a store with nothing paused costs no
        read per step. A pause made in this process is seen at once, one made by another
        process within `PAUSED_REFRESH_SECONDS`.
        """
        now = time.monotonic()
        if now >= self._any_paused_until:
            self._any_paused = bool(self._c.query(self._q["any_paused"], {}))
            self._any_paused_until = now + PAUSED_REFRESH_SECONDS
            self.quiet_until = 0.0 if self._any_paused else self._any_paused_until
        return self._any_paused

    def unpause(self, workflow_id: str, now: float) -> bool:
        """Unpause a paused workflow and make it ready; False when it was not paused."""
        return self._c.execute(self._q["unpause"], {"id": workflow_id, "now": now}).rowcount == 1

    def is_paused(self, workflow_id: str) -> bool:
        """Whether `workflow_id` is paused now (one primary-key read)."""
        rows = self._c.query(self._q["paused_at"], {"id": workflow_id})
        return bool(rows) and rows[0]["paused_at"] is not None

    def state(self, workflow_id: str) -> tuple[str, int] | None:
        """The state snapshot (JSON text) and the history position that wrote it, or None."""
        rows = self._c.query(self._q["get_state"], {"id": workflow_id})
        return (str(rows[0]["state"]), int(rows[0]["seq"])) if rows else None

    def result(self, workflow_id: str, update_id: str) -> Outcome | None:
        """The outcome of update `update_id`, once applied (or refused) by the workflow."""
        params = {"id": workflow_id, "update_id": update_id}
        rows = self._c.query(self._q["get_result"], params)
        return Outcome(**rows[0]) if rows else None

    def commit(
        self,
        fence: base.Fence,
        event: base.HistoryEvent,
        now: float,
        state: str | None,
        outcome: Outcome | None = None,
    ) -> None:
        """Append `event` fenced, with the state snapshot and the update outcome, atomically."""
        with self._c.transaction() as run:
            workflows.append_fenced(run, self._c.dialect, fence, event)
            key = {"id": event.workflow_id, "seq": event.seq, "now": now}
            if state is not None:
                run(self._q["put_state"], {**key, "state": state})
            if outcome is not None:
                run(self._q["put_result"], {**key, **dataclasses.asdict(outcome)})


def for_store(store: base.Store) -> OperateStore:
    """The OperateStore of `store`, made once per store."""
    return store.feature(OperateStore)
