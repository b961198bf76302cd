"""The fan-out feature store: child workflows created in batches, their statuses, parent wake-ups.

A child is an ordinary `podium_workflows` row whose `parent_id` names the workflow that created
it at a history position. A parent waiting for children stores in `podium_child_waits` how many
of its children may still be open when it should be woken; each child's end compares.
Written once against `Store.connector`; the SQL is in `sql/<dialect>/children.sql`.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from podium import errors
from podium.store import base, queries

OPEN_STATUSES = ("pending", "running", "waiting")


@dataclasses.dataclass(frozen=True)
class NewChild:
    """A child to create, and the history position of its parent that created it."""

    id: str
    workflow: str
    input: str
    queue: str
    priority: int
    deadline: float | None
    seq: int
    name: str
    payload: str
    """The parent's history payload at `seq` (the child's id as JSON)."""


@dataclasses.dataclass(frozen=True)
class ChildState:
    """What a parent reads of a child to decide whether its wait is over."""

    id: str
    workflow: str
    status: str
    output: str | None
    error_type: str | None
    error_message: str | None

    @property
    def open(self) -> bool:
        """Not finished yet (pending, running or waiting)."""
        return self.status in OPEN_STATUSES


class Children(queries.Feature, sql="children"):
    """Fan-out verbs on one store's connector."""

    def create(self, fence: base.Fence, children: list[NewChild], now: float) -> None:
        """Create `children` and record their parent's positions, in one transaction.

        Only while `fence` holds (else LeaseLost, nothing written). Ids that exist already are
        left as they are, so a replay that creates the same children again is a no-op.
        """
        params = {
            "parent_id": fence.workflow_id,
            "now": now,
            "children": json.dumps([vars(c) for c in children]),  # flat: no deep copy needed
        }
        hold = {"id": fence.workflow_id, "owner": fence.owner, "epoch": fence.epoch}
        with self._c.transaction() as execute:
            if not execute(self._q["hold_parent"], hold).rows:
                raise errors.LeaseLost(fence.workflow_id)
            execute(self._q["create_children"], params)
            execute(self._q["record_positions"], params)

    def states(self, ids: list[str]) -> dict[str, ChildState]:
        """The current state of each of `ids` that exists, by id (one query)."""
        rows = self._c.query(self._q["statuses"], {"ids": json.dumps(ids)})
        return {row["id"]: ChildState(**row) for row in rows}

    def open_among(self, ids: list[str]) -> int:
        """How many of `ids` (distinct) name children that have not finished (one query)."""
        rows = self._c.query(self._q["open_among"], {"ids": json.dumps(ids)})
        return int(rows[0]["n"])

    def open_count(self, parent_id: str) -> int:
        """How many children of `parent_id` have not finished."""
        rows = self._c.query(self._q["open_children"], {"parent_id": parent_id})
        return int(rows[0]["n"])

    def set_wait(self, parent_id: str, at_most: int) -> None:
        """Wake `parent_id` once no more than `at_most` of its children are open."""
        self._c.execute(self._q["set_wait"], {"id": parent_id, "at_most": at_most})

    def clear_wait(self, parent_id: str) -> None:
        """`parent_id` waits for no children any more."""
        self._c.execute(self._q["clear_wait"], {"id": parent_id})

    def wake_due(self, parent_id: str) -> bool:
        """Whether `parent_id` waits for children and few enough of them are open now."""
        waits = self._c.query(self._q["wait_of"], {"id": parent_id})
        if not waits:
            return False
        at_most = int(waits[0]["at_most"])
        params = {"parent_id": parent_id, "upto": at_most + 1}
        rows = self._c.query(self._q["open_children_upto"], params)
        return int(rows[0]["n"]) <= at_most

    def cancel_descendants(self, workflow_id: str, now: float) -> int:
        """Cancel every unfinished descendant of `workflow_id`; return how many."""
        with self._c.transaction() as execute:
            # Workflow rows before the wait's row, as a child's end takes them (its own row,
            # then its parent's wait): the other order could deadlock with that transaction.
            done = execute(self._q["cancel_descendants"], {"id": workflow_id, "now": now})
            execute(self._q["clear_wait"], {"id": workflow_id})
        return done.rowcount

    def ready_descendants(self, workflow_id: str, now: float, limit: int) -> list[str]:
        """Ids of descendants of `workflow_id` that may be claimed now, oldest ready first."""
        params: dict[str, Any] = {"id": workflow_id, "now": now, "limit": limit}
        return [row["id"] for row in self._c.query(self._q["ready_descendants"], params)]


def wake_parent(store: base.Store, parent_id: str, now: float) -> bool:
    """Wake `parent_id` if it waits for children and few enough are open; whether it woke."""
    return Children(store.connector).wake_due(parent_id) and store.wake(parent_id, now)


def cancel(store: base.Store, workflow_id: str, now: float) -> base.WorkflowRecord | None:
    """`store.cancel` plus fan-out: cancel the unfinished descendants too; wake the parent.

    Returns what `store.cancel` returns (None when there is no such workflow).
    """
    record = store.cancel(workflow_id, now)
    if record is not None and record.status == "cancelled":
        Children(store.connector).cancel_descendants(record.id, now)
        if record.parent_id is not None:
            wake_parent(store, record.parent_id, now)
    return record
