"""A cursor over one workflow's recorded history, with the determinism check."""

from __future__ import annotations

from podium import errors
from podium.store import base


class Cursor:
    """Hands out positions in call order and matches each against what was recorded there."""

    def __init__(self, workflow_id: str, workflow: str, events: list[base.HistoryEvent]) -> None:
        self.workflow_id = workflow_id
        self.workflow = workflow
        self.events = {event.seq: event for event in events}
        self.position = 0
        self.diverged: errors.NonDeterminismError | None = None
        """The first divergence; sticky, so workflow code that catches it cannot hide it."""

    def advance(self, kind: str, name: str) -> tuple[int, base.HistoryEvent | None]:
        """Take the next position; return it with its recorded event (None if new).

        Raises NonDeterminismError when the recorded event is of another kind or name, and
        again on every later call once the replay has diverged.
        """
        if self.diverged is not None:
            raise self.diverged
        seq = self.position
        self.position += 1
        event = self.events.get(seq)
        if event is not None and (event.kind != kind or event.name != name):
            self.diverged = errors.NonDeterminismError(
                self.workflow_id,
                self.workflow,
                seq,
                describe(event.kind, event.name),
                describe(kind, name),
            )
            raise self.diverged
        return seq, event

    def add(self, event: base.HistoryEvent) -> None:
        """Remember an event just appended to the store."""
        self.events[event.seq] = event

    def check_fully_replayed(self) -> None:
        """At the end of a run, recorded positions the replay never reached mean divergence."""
        if self.diverged is not None:
            raise self.diverged
        left = [seq for seq in self.events if seq >= self.position]
        if left:
            event = self.events[min(left)]
            raise errors.NonDeterminismError(
                self.workflow_id,
                self.workflow,
                event.seq,
                describe(event.kind, event.name),
                "nothing (the workflow returned before reaching it)",
            )


def describe(kind: str, name: str) -> str:
    """Human wording of a history entry, for error messages."""
    if kind == "step":
        return f"step {name!r}"
    if kind != name:  # waits, publishes and sends are named after their topic
        return f"podium.{kind}({name!r})"
    return f"podium.{name}()"
