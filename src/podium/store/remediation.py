"""Remediation rules' state and their audited decisions, on any store.

One process in the cluster evaluates a set of rules per tick: the one whose compare-and-set
moves the set's claim row (named after the rules, `claim_name`) to the tick, one write a
tick however many rules there are. A rule's row holds when it last fired (the cooldown
survives restarts and is shared by every process) and the tick of that firing: a firing
marks the rule and logs the decision in one transaction fenced by the tick (the row's tick
must be older), so a rule fires at most once a tick and a process that fell behind cannot
fire. A tick where nothing fires writes nothing to the rules' rows.
"""

from __future__ import annotations

import dataclasses
import hashlib

from podium.store import decode, queries

CLAIM = "#evaluator:"
"""The prefix of the claim rows' names (not rules: `rules()` leaves them out)."""


def claim_name(names: list[str]) -> str:
    """The claim row of the rule set `names` (processes of one app share it)."""
    digest = hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()[:16]
    return CLAIM + digest


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


class RemediationStore(queries.Feature, sql="remediation"):
    """The remediation tables of one store."""

    def rules(self) -> dict[str, RuleState]:
        """Every rule's row (any app's), read only: the dashboard's view."""
        return {
            str(r["name"]): decode.row(RuleState, r)
            for r in self._c.query(self._q["list_rules"], {})
            if not str(r["name"]).startswith(CLAIM)
        }

    def states(self, names: list[str]) -> dict[str, RuleState]:
        """The rows of rules `names` in one read (missing ones created, never fired)."""
        found = self.rules()
        missing = [n for n in names if n not in found]
        for name in missing:
            self._c.execute(self._q["init_rule"], {"name": name, "tick": -1}, idempotent=True)
        if missing:
            found = self.rules()
        return {n: found[n] for n in names}

    def claim(self, names: list[str], tick: int) -> bool:
        """Move the claim row of rule set `names` to `tick`; False if it was there already.

        One write: the row is created (at tick -1) only the first time.
        """
        params = {"name": claim_name(names), "tick": tick}
        if self._c.execute(self._q["claim_tick"], params).rowcount == 1:
            return True
        init = {"name": params["name"], "tick": -1}
        if self._c.execute(self._q["init_rule"], init, idempotent=True).rowcount != 1:
            return False  # the row was there: another process holds this tick
        return self._c.execute(self._q["claim_tick"], params).rowcount == 1

    def evaluated(self, names: list[str]) -> int:
        """The last tick rule set `names` was evaluated at (-1: never)."""
        rows = self._c.query(self._q["get_rule"], {"name": claim_name(names)})
        return int(rows[0]["tick"]) if rows else -1

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
        """Mark rule `name` fired at `tick` and log the decision; False if it fired then already."""
        decision = {
            "rule": name,
            "tick": tick,
            "now": now,
            "condition": condition,
            "action": action,
            "dry_run": int(dry_run),
            "result": result,
        }
        fire = {"name": name, "tick": tick, "now": now}
        return self._guarded((self._q["fire"], fire), [(self._q["add_decision"], decision)])

    def set_result(self, name: str, tick: int, result: str) -> None:
        """Write what the action of the decision of `name` at `tick` did."""
        params = {"rule": name, "tick": tick, "result": result}
        self._c.execute(self._q["set_result"], params, idempotent=True)

    def decisions(self, limit: int) -> list[DecisionRow]:
        """The latest `limit` decisions, newest first."""
        rows = self._c.query(self._q["decisions"], {"limit": limit})
        return [decode.row(DecisionRow, r) for r in rows]
