"""The path an ASL workflow took, rebuilt from its history without running anything.

The interpreter is deterministic given its effects, so feeding it the recorded effects (step
results and failures, timers, times, random numbers, UUIDs) in history order walks exactly the
states the workflow walked. The walk stops at the first effect the history does not hold yet:
that is the state the workflow is in now. Nothing is written and no Task runs, which is what
lets the dashboard draw Pass and Choice states that leave no rows of their own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from podium import serialization
from podium.asl import interpreter
from podium.engine import failures
from podium.store import base


@dataclasses.dataclass(frozen=True)
class Path:
    """The top-level states entered, in order, and whether the walk reached an end."""

    states: list[str]
    ended: bool

    @property
    def current(self) -> str | None:
        """The state the workflow is in (None once it has ended)."""
        return None if self.ended or not self.states else self.states[-1]


class _Unrecorded(BaseException):
    """The history ends before this effect: the workflow has not got past it yet.

    A BaseException, so that no Catch, Retry or tolerated Map failure takes it for an error.
    """


class ReplayEffects:
    """Effects served from recorded history events, in order."""

    def __init__(self, events: Iterable[base.HistoryEvent], now: float | None = None) -> None:
        self._events = [e for e in events if e.kind in _KINDS]
        self._next = 0
        self._now = now

    def _take(self, kind: str) -> base.HistoryEvent:
        if self._next >= len(self._events) or self._events[self._next].kind != kind:
            raise _Unrecorded(kind)
        event = self._events[self._next]
        self._next += 1
        return event

    def uuid4(self) -> str:
        """The recorded UUID."""
        return str(serialization.loads(self._take("uuid4").payload))

    def random(self) -> float:
        """The recorded random number."""
        return float(serialization.loads(self._take("random").payload))

    def now(self) -> dt.datetime:
        """The recorded time."""
        stamp = float(serialization.loads(self._take("now").payload))
        return dt.datetime.fromtimestamp(stamp, tz=dt.UTC)

    def sleep(self, seconds: float) -> None:
        """A recorded timer that has fired; one still pending is where the workflow is now."""
        event = self._take("sleep")
        fire_at = event.finished_at
        if self._now is not None and fire_at is not None and fire_at > self._now:
            self._next -= 1
            raise _Unrecorded("sleep")

    def call(self, resource: str, payload: Any, timeout: float | None) -> Any:
        """The recorded result of the Task's step, or its recorded failure."""
        event = self._take("step")
        if event.status == "completed":
            return serialization.loads(event.payload)
        if event.status == "failed":
            raise failures.rebuild(event.name, event.payload)
        raise _Unrecorded("step")

    def __getattr__(self, name: str) -> Any:
        def unrecorded(*args: Any, **kwargs: Any) -> Any:
            raise _Unrecorded(name)

        return unrecorded


_KINDS = frozenset({"uuid4", "random", "now", "sleep", "step"})


def walk(
    machine: Mapping[str, Any],
    value: Any,
    events: Iterable[base.HistoryEvent],
    *,
    execution: str,
    name: str,
    now: float | None = None,
) -> Path:
    """The top-level states `machine` entered on input `value` given its recorded `events`.

    With `now`, a Wait whose timer fires after `now` is where the walk stops (the workflow
    sleeps there); without it every recorded timer counts as fired.
    """
    entered: list[str] = []
    effects = ReplayEffects(events, now)
    engine = interpreter.Interpreter(effects, name, on_enter=entered.append)
    try:
        engine.execute(machine, value, execution)
    except _Unrecorded:
        return Path(entered, ended=False)
    except Exception:
        return Path(entered, ended=True)
    return Path(entered, ended=True)
