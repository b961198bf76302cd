"""Telemetry rollups, anomalies, the scorer's cursor and scaling state, on any store.

Rollups are one row per (series, minute, process): a process rewrites its own rows with
its cumulative counts for the minute each time it flushes (an upsert that replaces), so
flushes are idempotent and processes never write the same row. Readers add processes up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from podium.store import decode, queries


@dataclasses.dataclass(frozen=True)
class RollupRow:
    """One process's counts of one series in one minute (`latency`: sketch JSON or None)."""

    series: str
    minute: int
    process: str
    starts: int = 0
    completions: int = 0
    failures: int = 0
    retries: int = 0
    arrivals: int = 0
    depth: int | None = None
    wait_sum: float = 0.0
    wait_count: int = 0
    latency: str | None = None


@dataclasses.dataclass(frozen=True)
class AnomalyRow:
    """A stored anomaly: a point of a series that scored above the threshold."""

    id: int
    series: str
    at: float
    value: float
    expected: float
    score: float
    message: str


_ROLLUP_FIELDS = tuple(f.name for f in dataclasses.fields(RollupRow))


class TelemetryStore(queries.Feature, sql="telemetry"):
    """The telemetry tables of one store."""

    def put(self, rows: Sequence[RollupRow], now: float) -> None:
        """Write (replace) each process's rows in one transaction."""
        if not rows:
            return
        with self._c.transaction() as run:
            for row in rows:
                run(self._q["put_rollup"], {**dataclasses.asdict(row), "now": now})

    def rollups(self, since: int, until: int, series: str | None = None) -> list[RollupRow]:
        """Every process's rows with `since <= minute < until` (of one series if named)."""
        params: dict[str, Any] = {"since": since, "until": until}
        if series is None:
            rows = self._c.query(self._q["rollups"], params)
        else:
            rows = self._c.query(self._q["series_rollups"], {**params, "series": series})
        return [RollupRow(**{k: row[k] for k in _ROLLUP_FIELDS}) for row in rows]

    def created(self, since: int, until: int) -> list[tuple[str, int, int]]:
        """(queue, minute, workflows created) of the minutes `since <= minute < until`.

        Walks the workflows' creation-time index over the range: what arrived when, whether
        or not it has run yet (children, schedules and events included).
        """
        rows = self._c.query(self._q["created_per_minute"], {"since": since, "until": until})
        return [(str(r["queue"]), int(r["minute"]), int(r["n"])) for r in rows]

    def purge(self, before_minute: int, before_at: float) -> None:
        """Drop rollups older than `before_minute` and anomalies older than `before_at`."""
        self._c.execute(self._q["purge"], {"before": before_minute}, idempotent=True)
        self._c.execute(self._q["purge_anomalies"], {"before": before_at}, idempotent=True)

    def mark(self, name: str, start: int) -> int:
        """The minute cursor `name` (created at `start` when missing)."""
        self._c.execute(self._q["init_mark"], {"name": name, "minute": start}, idempotent=True)
        rows = self._c.query(self._q["get_mark"], {"name": name})
        return int(rows[0]["minute"])

    def move_mark(self, name: str, old: int, new: int) -> bool:
        """Advance cursor `name` from `old` to `new`; False if another process moved it."""
        params = {"name": name, "old": old, "minute": new}
        return self._c.execute(self._q["move_mark"], params).rowcount == 1

    def add_anomaly(
        self,
        series: str,
        at: float,
        value: float,
        expected: float,
        score: float,
        message: str,
        now: float,
    ) -> bool:
        """Store an anomaly; False when one of `series` at `at` is already stored."""
        params = {
            "series": series,
            "at": at,
            "value": value,
            "expected": expected,
            "score": score,
            "message": message,
            "now": now,
        }
        return self._c.execute(self._q["add_anomaly"], params, idempotent=True).rowcount == 1

    def anomalies(self, since: float, limit: int) -> list[AnomalyRow]:
        """Anomalies at or after `since`, newest first."""
        rows = self._c.query(self._q["anomalies"], {"since": since, "limit": limit})
        return [decode.row(AnomalyRow, r) for r in rows]

    def scaling_state(self) -> dict[str, int]:
        """The last desired worker count per queue."""
        return {r["queue"]: int(r["desired"]) for r in self._c.query(self._q["scaling_state"], {})}

    def put_scaling(self, desired: dict[str, int], now: float) -> None:
        """Remember the desired worker counts (the base of the next decision's hysteresis)."""
        with self._c.transaction() as run:
            for queue, n in desired.items():
                run(self._q["put_scaling"], {"queue": queue, "desired": n, "now": now})
