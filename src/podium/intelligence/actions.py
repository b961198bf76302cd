"""What a remediation rule does when its condition holds: plain descriptions of engine actions.

Each action is a frozen value with a `describe()` sentence; `podium.patterns.remediation`
carries it out (so this module stays a leaf and an action can be stored, shown and compared):

    from podium.intelligence import actions
    app.remediate("payments-down", when=..., do=actions.open_breaker("payments"))
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = [
    "Action",
    "close_breaker",
    "open_breaker",
    "pause_queue",
    "publish",
    "resume_queue",
    "retry_failed",
    "set_concurrency",
    "set_rate",
]


@dataclasses.dataclass(frozen=True)
class Action:
    """An engine action: `kind` and its arguments (see the functions of this module)."""

    kind: str
    target: str
    count: int | None = None
    seconds: float | None = None
    payload: Any = None

    def describe(self) -> str:
        """A sentence a person reads in the audit log."""
        if self.kind == "set_concurrency":
            return f"set queue {self.target!r} concurrency to {self.count}"
        if self.kind == "set_rate":
            return f"set queue {self.target!r} rate to {self.count} per {self.seconds:g} s"
        if self.kind == "retry_failed":
            return f"retry the failed workflows of {self.target!r}"
        if self.kind == "publish":
            return f"publish event {self.target!r}"
        noun = "breaker" if self.kind.endswith("breaker") else "queue"
        return f"{self.kind.split('_')[0]} {noun} {self.target!r}"


def _name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what}={value!r} must be a non-empty string")
    return value


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what}={value!r} must be an int >= 1")
    return value


def open_breaker(name: str) -> Action:
    """Open circuit breaker `name` (calls fail fast until its cooldown lets trials through)."""
    return Action("open_breaker", _name(name, "name"))


def close_breaker(name: str) -> Action:
    """Close circuit breaker `name`."""
    return Action("close_breaker", _name(name, "name"))


def pause_queue(name: str) -> Action:
    """Stop every worker claiming from queue `name`."""
    return Action("pause_queue", _name(name, "queue"))


def resume_queue(name: str) -> Action:
    """Claim from queue `name` again."""
    return Action("resume_queue", _name(name, "queue"))


def set_concurrency(queue: str, concurrency: int) -> Action:
    """Limit queue `queue` to `concurrency` running workflows (across all workers)."""
    return Action("set_concurrency", _name(queue, "queue"), _count(concurrency, "concurrency"))


def set_rate(queue: str, starts: int, seconds: float) -> Action:
    """Limit queue `queue` to `starts` first starts per `seconds`."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds > 0:
        raise ValueError(f"seconds={seconds!r} must be a number > 0")
    return Action("set_rate", _name(queue, "queue"), _count(starts, "starts"), float(seconds))


def retry_failed(workflow: str) -> Action:
    """Resume every failed workflow of type `workflow` (each from its last checkpoint)."""
    return Action("retry_failed", _name(workflow, "workflow"))


def publish(topic: str, payload: Any = None) -> Action:
    """Publish an event on `topic` (its id names the rule and the firing, so once per firing)."""
    return Action("publish", _name(topic, "topic"), payload=payload)
