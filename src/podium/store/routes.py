"""Outcomes of workflows started by learned routers (one row per routed workflow), any store.

The run listener of a learned router records each routed workflow's first end with its lane
and reward (insert-or-ignore on (router, workflow id), so a run that ends again, a replay
or a second process changes nothing); every process's router reads the rows back and folds
them into its bandit.
"""

from __future__ import annotations

import dataclasses

from podium.store import decode, queries


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One routed workflow's end: its lane and the reward it earned, at epoch seconds `at`."""

    id: int
    workflow_id: str
    lane: str
    reward: float
    at: float


class RouteStore(queries.Feature, sql="routes"):
    """The route outcome table of one store."""

    def record(self, router: str, workflow_id: str, lane: str, reward: float, at: float) -> bool:
        """Record a routed workflow's outcome; False when one was already recorded."""
        params = {
            "router": router,
            "workflow_id": workflow_id,
            "lane": lane,
            "reward": reward,
            "at": at,
        }
        return self._c.execute(self._q["record_outcome"], params, idempotent=True).rowcount == 1

    def latest(self, router: str, limit: int) -> list[Outcome]:
        """The latest `limit` outcomes of `router`, oldest first."""
        rows = self._c.query(self._q["latest_outcomes"], {"router": router, "limit": limit})
        return [decode.row(Outcome, r) for r in reversed(rows)]

    def since(self, router: str, since: float) -> list[Outcome]:
        """The outcomes of `router` recorded at or after `since`, in insertion order."""
        rows = self._c.query(self._q["outcomes_since"], {"router": router, "since": since})
        return [decode.row(Outcome, r) for r in rows]

    def purge(self, router: str, before: float) -> None:
        """Drop the outcomes of `router` recorded before `before`."""
        params = {"router": router, "before": before}
        self._c.execute(self._q["purge_outcomes"], params, idempotent=True)
