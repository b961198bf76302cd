"""Circuit breaker state in the store, shared by every worker: written once against a Connector.

One row per breaker (`podium_breakers`) changes only on transitions and on half-open trial
calls. Ordinary outcomes are counted in `podium_breaker_counts`, one counter per (breaker,
generation, time bucket, shard) where a shard is one thread of one process: no two writers
ever update the same row, so counting is not a hot row, and the failure rate over the window
is a SUM over a handful of rows. Each transition is a conditional UPDATE on the generation it
was decided from, committed together with its row in `podium_breaker_events`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from podium.store import base, decode, queries


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """A breaker's state row: its state, since when, and its half-open trial bookkeeping.

    `generation` grows by one on every transition; outcomes and trial slots belong to one.
    """

    state: str
    generation: int
    since: float
    trials: int = 0
    successes: int = 0


@dataclasses.dataclass(frozen=True)
class Change:
    """A transition to write: the new state, why, and the window that decided it (if any)."""

    to_state: str
    reason: str
    failure_rate: float | None = None
    calls: int | None = None
    failures: int | None = None


@dataclasses.dataclass(frozen=True)
class BreakerEvent:
    """One recorded transition (what dashboards and the anomaly detection read)."""

    name: str
    generation: int
    at: float
    from_state: str
    to_state: str
    reason: str
    failure_rate: float | None
    calls: int | None
    failures: int | None


class Breakers(queries.Feature, sql="breakers"):
    """The breaker verbs over one store's connector; every method is one short statement or tx."""

    def __init__(self, connector: base.Connector) -> None:
        super().__init__(connector)
        self.connector = connector

    def get(self, name: str) -> Snapshot | None:
        """The state row of `name`, or None before its first use."""
        rows = self._c.query(self._q["get"], {"name": name})
        if not rows:
            return None
        return decode.row(Snapshot, rows[0])

    def states(self) -> dict[str, str]:
        """Every breaker the store knows (whatever app declared it) and its state."""
        return {str(r["name"]): str(r["state"]) for r in self._c.query(self._q["names"], {})}

    def create(self, name: str, now: float) -> None:
        """Create `name` closed (generation 0) unless it exists; safe to race."""
        self._c.execute(self._q["create"], {"name": name, "now": now})

    def transition(self, name: str, seen: Snapshot, change: Change, now: float) -> bool:
        """Move `name` from `seen` to `change.to_state` if nobody moved it first.

        Atomic: the conditional UPDATE, the event row and the clean-up of the old generations'
        counters and trial slots commit together; of racing writers exactly one returns True.
        """
        params: dict[str, Any] = {
            "name": name,
            "generation": seen.generation,
            "from_state": seen.state,
            "now": now,
            **dataclasses.asdict(change),
        }
        forget = {"name": name, "generation": seen.generation + 1}
        then = [
            (self._q["record_transition"], params),
            (self._q["forget_counts"], forget),
            (self._q["forget_trials"], forget),
        ]
        return self._guarded((self._q["transition"], params), then)

    def claim_trial(self, name: str, generation: int, holder: str, limit: int, now: float) -> bool:
        """Take one of `limit` half-open trial slots of `generation` for `holder`.

        Atomic and cluster-wide: at most `limit` holders get one. A holder that already holds
        a slot (a workflow step running again after a crash) gets True without a new one.
        """
        params = {"name": name, "generation": generation, "holder": holder}
        with self._c.transaction() as run:
            if run(self._q["holds_trial"], params).rows:
                return True
            if run(self._q["take_trial_slot"], {**params, "limit": limit}).rowcount != 1:
                return False
            run(self._q["add_trial"], {**params, "now": now})
        return True

    def trial_succeeded(self, name: str, generation: int, holder: str) -> int | None:
        """Count `holder`'s trial success once; the successes so far, None if not counted."""
        params = {"name": name, "generation": generation, "holder": holder}
        with self._c.transaction() as run:
            if run(self._q["trial_done"], params).rowcount != 1:
                return None
            rows = run(self._q["count_success"], params).rows
        return int(rows[0]["successes"]) if rows else None

    def count(self, name: str, generation: int, bucket: int, shard: str, failed: bool) -> None:
        """Add one outcome to this shard's counter of `bucket` (a row no other thread writes)."""
        params = {
            "name": name,
            "generation": generation,
            "bucket": bucket,
            "shard": shard,
            "failed": int(failed),
        }
        self._c.execute(self._q["count_outcome"], params)

    def window(self, name: str, generation: int, first_bucket: int) -> tuple[int, int]:
        """(calls, failures) of `generation` in the buckets from `first_bucket` on."""
        params = {"name": name, "generation": generation, "first_bucket": first_bucket}
        row = self._c.query(self._q["window"], params)[0]
        return int(row["calls"]), int(row["failures"])

    def forget_buckets(self, name: str, first_bucket: int) -> None:
        """Delete the counters of buckets before `first_bucket` (they left the window)."""
        self._c.execute(self._q["forget_buckets"], {"name": name, "first_bucket": first_bucket})

    def events(
        self, name: str | None = None, since: float = 0.0, limit: int = 1000
    ) -> list[BreakerEvent]:
        """Recorded transitions (of `name`, or of every breaker) from `since` on, oldest first."""
        params = {"name": name, "since": since, "limit": limit}
        rows = self._c.query(self._q["transitions"], params)
        return [decode.row(BreakerEvent, row) for row in rows]
