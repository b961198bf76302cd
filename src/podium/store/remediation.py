"""Remediation rules' state and their audited decisions, on any store.

A rule's row holds the last tick evaluated, advanced by compare-and-set (one process in the
cluster evaluates each rule per tick), and when it last fired (the cooldown survives
restarts and is shared by every process). A firing marks the rule and logs the decision in
one transaction fenced by the tick, so a process that lost the tick cannot fire.
"""

from __future__ import annotations

import dataclasses

from podium.store import base, queries

FEATURE = "remediation"


@dataclasses.dataclass(frozen=True)
class RuleState:
    """A rule's row: the last tick evaluated, when it last fired (None: never), how often."""

    tick: int
    fired_at: float | None
    fires: int


@dataclasses.dataclass(frozen=True)
class DecisionRow:
    """One audited decision of a rule."""

    id: int
    rule: str
    at: float
    condition: str
    action: str
    dry_run: bool
    result: str


class _Lost(Exception):
    """The tick moved on under a firing: roll the firing back."""


class RemediationStore:
    """The remediation tables of one store."""

    def __init__(self, connector: base.Connector) -> None:
        self._c = connector
        self._q = queries.load(connector.dialect, FEATURE)

    def state(self, name: str) -> RuleState:
        """Rule `name`'s row (created at tick -1, never fired, when missing).

        A read first: the row exists after a rule's first tick, so a tick costs no write here.
        """
        rows = self._c.query(self._q["get_rule"], {"name": name})
        if not rows:
            self._c.execute(self._q["init_rule"], {"name": name, "tick": -1}, idempotent=True)
            rows = self._c.query(self._q["get_rule"], {"name": name})
        row = rows[0]
        fired = row["fired_at"]
        return RuleState(
            int(row["tick"]), None if fired is None else float(fired), int(row["fires"])
        )

    def rules(self) -> dict[str, RuleState]:
        """Every rule's row (any app's), read only: the dashboard's view."""
        return {
            str(r["name"]): RuleState(
                int(r["tick"]),
                None if r["fired_at"] is None else float(r["fired_at"]),
                int(r["fires"]),
            )
            for r in self._c.query(self._q["list_rules"], {})
        }

    def move_tick(self, name: str, old: int, new: int) -> bool:
        """Advance rule `name` from tick `old` to `new`; False if another process moved it."""
        params = {"name": name, "old": old, "tick": new}
        return self._c.execute(self._q["move_tick"], params).rowcount == 1

    def fire(
        self,
        name: str,
        tick: int,
        now: float,
        condition: str,
        action: str,
        dry_run: bool,
        result: str,
    ) -> bool:
        """Mark rule `name` fired at `now` and log the decision; False if `tick` is not its own."""
        decision = {
            "rule": name,
            "tick": tick,
            "now": now,
            "condition": condition,
            "action": action,
            "dry_run": int(dry_run),
            "result": result,
        }
        try:
            with self._c.transaction() as run:
                if run(self._q["fire"], {"name": name, "tick": tick, "now": now}).rowcount != 1:
                    raise _Lost
                run(self._q["add_decision"], decision)
        except _Lost:
            return False
        return True

    def set_result(self, name: str, tick: int, result: str) -> None:
        """Write what the action of the decision of `name` at `tick` did."""
        params = {"rule": name, "tick": tick, "result": result}
        self._c.execute(self._q["set_result"], params, idempotent=True)

    def decisions(self, limit: int) -> list[DecisionRow]:
        """The latest `limit` decisions, newest first."""
        rows = self._c.query(self._q["decisions"], {"limit": limit})
        return [
            DecisionRow(
                int(r["id"]),
                str(r["rule"]),
                float(r["at"]),
                str(r["condition"]),
                str(r["action"]),
                bool(r["dry_run"]),
                str(r["result"]),
            )
            for r in rows
        ]
