"""Continue-as-new, archived histories and forks, on any store's connector.

`continue_as_new` is one transaction fenced by the run's lease: the workflow's input becomes
the new arguments, its history (with the continue-as-new event itself) moves to
`podium_history_archive` under the next generation number, and its history and failed
attempts are cleared. The run then releases the workflow; its next claim starts the fresh
history. A crash between the two leaves a running workflow whose lease lapses, and the run
that takes it over starts the fresh history just the same.

`fork` is one transaction too: a copy of a finished workflow's row under a new id (pending,
with `runs = 1` so its first claim replays), the history and attempts before `from_step`, and
a `podium_forks` row saying where it came from. An id that is taken writes nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from podium import errors
from podium.store import base, queries


@dataclasses.dataclass(frozen=True)
class Fork:
    """Where a forked workflow came from."""

    id: str
    source_id: str
    from_step: int
    created_at: float


class IdTaken(Exception):
    """The id a fork asked for is taken (the transaction wrote nothing)."""


class VersionStore(queries.Feature, sql="versions"):
    """Archived histories of continued workflows, and forks."""

    def continue_as_new(
        self, fence: base.Fence, marker: base.HistoryEvent, input: str, now: float
    ) -> int:
        """Archive the history (ending with `marker`), clear it, store `input`; fenced.

        Returns the generation the archived history got. Raises LeaseLost (writing nothing)
        if the fence no longer holds.
        """
        wf_id = fence.workflow_id
        fenced = {
            "input": input,
            "now": now,
            "fence_id": wf_id,
            "fence_owner": fence.owner,
            "fence_epoch": fence.epoch,
        }
        with self._c.transaction() as run:
            if run(self._q["continue_workflow"], fenced).rowcount != 1:
                raise errors.LeaseLost(wf_id)
            generation = int(run(self._q["next_generation"], {"id": wf_id}).rows[0]["generation"])
            params = {"id": wf_id, "generation": generation, "now": now}
            run(self._q["archive_history"], params)
            run(
                self._q["archive_event"],
                {**base.shallow(marker), "generation": generation, "now": now},
            )
            run(self._q["clear_history"], {"id": wf_id})
            run(self._q["clear_attempts"], {"id": wf_id})
        return generation

    def generations(self, workflow_id: str) -> int:
        """How many runs of `workflow_id` ended in continue-as-new (archived histories)."""
        rows = self._c.query(self._q["generations"], {"id": workflow_id})
        return int(rows[0]["generations"]) if rows else 0

    def archived_history(self, workflow_id: str, generation: int) -> list[base.HistoryEvent]:
        """The history of run `generation` (1 = the first) of a continued workflow."""
        params = {"id": workflow_id, "generation": generation}
        rows = self._c.query(self._q["archived_history"], params)
        return [base.HistoryEvent(*row.values()) for row in rows]  # columns in field order

    def history_length(self, workflow_id: str) -> int:
        """One past the last history position of `workflow_id` (0 for an empty history)."""
        rows = self._c.query(self._q["history_length"], {"id": workflow_id})
        return int(rows[0]["length"]) if rows else 0

    def fork(self, source_id: str, new_id: str, from_step: int, now: float) -> bool:
        """Copy `source_id` into `new_id` up to position `from_step`; False if the id is taken."""
        params: dict[str, Any] = {
            "source_id": source_id,
            "new_id": new_id,
            "from_step": from_step,
            "now": now,
        }
        try:
            with self._c.transaction() as run:
                if run(self._q["fork_workflow"], params).rowcount != 1:
                    raise IdTaken(new_id)  # rolls back: nothing written
                run(self._q["fork_history"], params)
                run(self._q["fork_attempts"], params)
                run(self._q["record_fork"], params)
        except IdTaken:
            return False
        return True

    def fork_of(self, workflow_id: str) -> Fork | None:
        """Where `workflow_id` was forked from, or None if it is not a fork."""
        rows = self._c.query(self._q["get_fork"], {"id": workflow_id})
        return Fork(**rows[0]) if rows else None


def for_store(store: base.Store) -> VersionStore:
    """The VersionStore of `store`, made once per store."""
    return store.feature(VersionStore)
