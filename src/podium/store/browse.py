"""Read-only views over workflows for the server, dashboard and metrics (any dialect)."""

from __future__ import annotations

import dataclasses
from typing import Any

from podium.store import base, queries


@dataclasses.dataclass(frozen=True)
class Filter:
    """Optional filters of a workflow listing; None matches everything."""

    status: str | None = None
    workflow: str | None = None
    queue: str | None = None
    created_after: float | None = None
    created_before: float | None = None
    search: str | None = None
    """A case-insensitive substring of the workflow id."""
    top_level: bool = False
    """Only workflows without a parent (hides fan-out and child workflows)."""
    parent_id: str | None = None
    """Only the children of this workflow."""
    workflows: tuple[str, ...] | None = None
    """Only these workflow names (a token limited to them); None: any."""
    queues: tuple[str, ...] | None = None
    """Only these queues (a token limited to them); None: any."""


class Browser(queries.Feature, sql="browse"):
    """Listing, counting and queue/lease summaries straight from the store's tables."""

    def __init__(self, store: base.Store) -> None:
        super().__init__(store.connector)

    def workflows(self, where: Filter, limit: int, offset: int) -> list[dict[str, Any]]:
        """Matching workflows (without payloads), newest first."""
        params = {**self._params(where), "limit": limit, "offset": offset}
        return self._c.query(self._q["list_workflows"], params)

    def _params(self, where: Filter) -> dict[str, Any]:
        """The query parameters of `where` (lists as the dialect reads them)."""
        return {
            **dataclasses.asdict(where),
            "top_level": 1 if where.top_level else 0,
            **queries.name_filter(self._c, where.workflows),
            "any_queue": where.queues is None,
            "queues": self._c.array(list(where.queues or ())),
        }

    def count(self, where: Filter, cap: int) -> int:
        """How many workflows match `where`, counting at most `cap` (cheap on a big store)."""
        params = {**self._params(where), "cap": cap}
        return int(self._c.query(self._q["count_workflows"], params)[0]["n"])

    def status_counts(self) -> list[tuple[str, str, int]]:
        """(workflow name, status, count) for every pair present."""
        rows = self._c.query(self._q["status_counts"], {})
        return [(r["workflow"], r["status"], int(r["n"])) for r in rows]

    def ended_attempts(self) -> list[tuple[str, str, int]]:
        """(workflow name, status, count) of the earlier attempts of resumed workflows."""
        rows = self._c.query(self._q["ended_attempts"], {})
        return [(r["workflow"], r["status"], int(r["n"])) for r in rows]

    def workflow_names(self) -> list[str]:
        """Every workflow name present in the store, whatever app wrote it."""
        return [str(r["workflow"]) for r in self._c.query(self._q["workflow_names"], {})]

    def queues(self, now: float) -> list[dict[str, Any]]:
        """Per queue: pending, running, waiting, ready now, and the oldest ready time."""
        return self._c.query(self._q["queue_stats"], {"now": now})

    def workers(self, limit: int = 500) -> list[base.WorkerInfo]:
        """Registered workers, newest first, expired ones too (until workers forget them)."""
        rows = self._c.query(self._q["workers"], {"limit": limit})
        return [base.WorkerInfo.from_row(row) for row in rows]

    def leases(self) -> list[dict[str, Any]]:
        """Per lease owner (worker): running workflows and its furthest lease expiry."""
        return self._c.query(self._q["leases"], {})
