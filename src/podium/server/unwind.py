"""A saga's unwinding as the console shows it: which compensation undoes which step, and why.

A failed saga records a "saga" position (`{"compensating": n, "after": "<error>"}`, see
podium.patterns.saga) and then runs one `<step>.compensate` step per completed forward step,
newest first. Read from the history alone, each compensation is matched to the latest
completed forward step of its name not yet undone, so the timeline and the graph can say
"compensating hold (#0) for ValueError: ..." and draw the compensations as one band.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

SUFFIX = ".compensate"
"""The name a compensation step gets: the forward step's name + this."""


@dataclasses.dataclass(frozen=True)
class Undo:
    """One compensation in a band."""

    seq: int
    """The compensation's own history position."""
    step: str
    """The forward step it undoes."""
    step_seq: int | None
    """The forward step's position (None: not found in the history)."""
    reason: str
    """Why the saga unwinds: the error that left it."""

    def label(self) -> str:
        """What people read: `compensating hold (#0) for ValueError: no courier`."""
        where = "" if self.step_seq is None else f" (#{self.step_seq})"
        return f"compensating {self.step}{where} for {self.reason}"


@dataclasses.dataclass(frozen=True)
class Band:
    """A saga's unwinding: its "saga" position and the compensations that followed it."""

    seq: int
    reason: str
    undos: tuple[Undo, ...]

    @property
    def positions(self) -> frozenset[int]:
        """Every position in the band (the saga record and its compensations)."""
        return frozenset({self.seq, *(u.seq for u in self.undos)})

    def heading(self) -> str:
        """The band's caption."""
        n = len(self.undos)
        steps = f"{n} step{'s' if n != 1 else ''}"
        return f"Unwinding: compensating {steps}, newest first, for {self.reason}"


def is_compensation(event: dict[str, Any]) -> bool:
    """A history position (as the API shows it) that runs a compensation."""
    return event.get("kind") == "step" and str(event.get("name", "")).endswith(SUFFIX)


def _reason(payload: Any) -> str:
    if isinstance(payload, dict) and payload.get("after"):
        return str(payload["after"])
    return "an error"


def bands(events: Sequence[dict[str, Any]]) -> list[Band]:
    """The unwinding bands of a history (positions as the API shows them, any order)."""
    done: list[tuple[str, int]] = []  # completed forward steps not undone yet, oldest first
    found: list[Band] = []
    open_band: tuple[int, str, list[Undo]] | None = None
    for event in sorted(events, key=lambda e: int(e["seq"])):
        seq = int(event["seq"])
        if event.get("kind") == "saga":
            if open_band is not None:
                found.append(Band(open_band[0], open_band[1], tuple(open_band[2])))
            open_band = (seq, _reason(event.get("payload")), [])
            continue
        if is_compensation(event):
            step = str(event["name"])[: -len(SUFFIX)]
            at = next((i for i in range(len(done) - 1, -1, -1) if done[i][0] == step), None)
            step_seq = None if at is None else done.pop(at)[1]
            reason = open_band[1] if open_band is not None else "an error"
            undo = Undo(seq, step, step_seq, reason)
            if open_band is not None:
                open_band[2].append(undo)
            continue
        if open_band is not None:
            found.append(Band(open_band[0], open_band[1], tuple(open_band[2])))
            open_band = None
        if event.get("kind") == "step" and event.get("status") == "completed":
            done.append((str(event["name"]), seq))
    if open_band is not None:
        found.append(Band(open_band[0], open_band[1], tuple(open_band[2])))
    return found


def undos(events: Sequence[dict[str, Any]]) -> dict[int, Undo]:
    """Every compensation of a history in a band, by its position."""
    return {u.seq: u for band in bands(events) for u in band.undos}
