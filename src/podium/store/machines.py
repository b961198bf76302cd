"""State machine instances and their transition log, on any store's connector.

`podium_machines` holds each instance's state, data and version; `podium_machine_transitions`
is the append-only log. A transition is one transaction: a conditional UPDATE of the instance
on the version the sender read (optimistic concurrency) plus the INSERT of its log row, so
concurrent sends serialize, none is lost, and a refused one writes nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from podium import serialization
from podium.store import base, queries


@dataclasses.dataclass(frozen=True)
class MachineInstance:
    """One instance of a state machine as stored: where it stands and its data."""

    machine: str
    id: str
    state: str
    data: Any
    version: int
    """How many transitions it has made (the seq of its latest one)."""
    created_at: float
    updated_at: float


@dataclasses.dataclass(frozen=True)
class TransitionRecord:
    """One accepted transition of an instance: event, from `source` to `target`, at `at`."""

    seq: int
    event: str
    source: str
    target: str
    at: float
    payload: Any
    data: Any
    """The instance's data after this transition."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form with `from`/`to` keys (for the HTTP API and actions)."""
        return {
            "seq": self.seq,
            "event": self.event,
            "from": self.source,
            "to": self.target,
            "at": self.at,
            "payload": self.payload,
            "data": self.data,
        }


@dataclasses.dataclass(frozen=True)
class Move:
    """A transition a sender wants to commit: from `current` by `event` to `target`."""

    current: MachineInstance
    event: str
    target: str
    payload: str | None
    """The payload as JSON text."""
    data: str | None
    """The data after the transition, as JSON text."""


class MachineStore(queries.Feature, sql="machines"):
    """State machine instances and transitions, written once for every dialect."""

    def __init__(self, store: base.Store) -> None:
        super().__init__(store.connector)

    def create(self, machine: str, instance: str, state: str, data: str | None, now: float) -> bool:
        """Insert an instance in `state` unless it exists; True if this call created it."""
        params = {"machine": machine, "id": instance, "state": state, "data": data, "now": now}
        return self._c.execute(self._q["create"], params).rowcount == 1

    def get(self, machine: str, instance: str) -> MachineInstance | None:
        """The stored instance, or None."""
        rows = self._c.query(self._q["get"], {"machine": machine, "id": instance})
        return _instance(rows[0]) if rows else None

    def advance(self, move: Move, now: float) -> TransitionRecord | None:
        """Commit `move` atomically if the instance is still at the version it was read at.

        Returns the logged transition, or None when another transition got there first
        (nothing written; the caller reads again and decides again).
        """
        current = move.current
        params = {
            "machine": current.machine,
            "id": current.id,
            "version": current.version,
            "from_state": current.state,
            "to_state": move.target,
            "event": move.event,
            "payload": move.payload,
            "data": move.data,
            "now": now,
        }
        if not self._guarded((self._q["advance"], params), [(self._q["record"], params)]):
            return None
        return TransitionRecord(
            current.version + 1,
            move.event,
            current.state,
            move.target,
            now,
            serialization.loads(move.payload),
            serialization.loads(move.data),
        )

    def transitions(
        self, machine: str, instance: str, after: int = 0, upto: int | None = None
    ) -> list[TransitionRecord]:
        """The logged transitions with `after < seq <= upto` (all later ones without upto)."""
        params = {
            "machine": machine,
            "id": instance,
            "after": after,
            "upto": upto if upto is not None else 2**62,
        }
        return [_transition(row) for row in self._c.query(self._q["transitions"], params)]

    def instances(
        self, machine: str, state: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[MachineInstance]:
        """Instances of `machine` (optionally only those in `state`), by id."""
        params = {"machine": machine, "state": state, "limit": limit, "offset": offset}
        return [_instance(row) for row in self._c.query(self._q["instances"], params)]


def _instance(row: dict[str, Any]) -> MachineInstance:
    return MachineInstance(
        machine=row["machine"],
        id=row["id"],
        state=row["state"],
        data=serialization.loads(row["data"]),
        version=int(row["version"]),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
    )


def _transition(row: dict[str, Any]) -> TransitionRecord:
    return TransitionRecord(
        seq=int(row["seq"]),
        event=row["event"],
        source=row["from_state"],
        target=row["to_state"],
        at=float(row["at"]),
        payload=serialization.loads(row["payload"]),
        data=serialization.loads(row["data"]),
    )
