"""Smart routing: pick a lane (queue + priority) for an item by its content's score.

`app.router("support", score=SentimentScorer(), lanes={"urgent": (-1.0, -0.3), "normal":
(-0.3, 1.0)}, queue_of={"urgent": "support-urgent"}, priority_of={"urgent": 10})`:
`router.route(text)` scores the text (`score.score(text)`, or `score(text)` for a plain
callable) and returns the lane whose range `[low, high)` holds it (the highest range also
holds its upper bound; a score outside every range goes to the nearest lane).
`router.start(workflow, payload, text=...)` starts the workflow in that lane's queue with its
priority and records the lane as the workflow's search attribute `lane` (and `router`): the
choice is made once per start id, so starting the same id again (a retried request) returns
the workflow already routed, and the workflow's replays never route again. Each routed start
is counted per (router, lane) in this process (`counts()`, `podium_routed_total` on /metrics).

With `score=BanditRouter([...])` the router is learned instead: the bandit chooses each lane
and learns from how the routed workflows end (see `learning`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from podium import arguments, errors

LANE = "lane"
ROUTER = "router"

_counts: dict[tuple[str, str], int] = {}
_counts_lock = threading.Lock()


def counts() -> dict[tuple[str, str], int]:
    """Routed starts in this process per (router, lane)."""
    with _counts_lock:
        return dict(_counts)


def _count(router: str, lane: str) -> None:
    with _counts_lock:
        _counts[(router, lane)] = _counts.get((router, lane), 0) + 1


class Chooser(Protocol):
    """A learned router's model as `Router` uses it (`learning.Learner`)."""

    options: tuple[str, ...]

    def choose(self) -> str:
        """The lane of the next item."""
        ...


def _no_score(text: str) -> float:
    raise errors.ConfigurationError("a learned router chooses lanes itself; it scores no text")


def _check_lanes(lanes: object) -> dict[str, tuple[float, float]]:
    if not isinstance(lanes, Mapping) or not lanes:
        raise errors.ConfigurationError(f"lanes={lanes!r} must be {{lane: (low, high)}}, not empty")
    out: dict[str, tuple[float, float]] = {}
    for lane, bounds in lanes.items():
        arguments.check_name(lane, "lane")
        ok = isinstance(bounds, tuple) and len(bounds) == 2
        ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in bounds)
        if not ok or not all(math.isfinite(v) for v in bounds) or not bounds[0] < bounds[1]:
            raise errors.ConfigurationError(
                f"lanes[{lane!r}]={bounds!r} must be (low, high) numbers with low < high"
            )
        out[lane] = (float(bounds[0]), float(bounds[1]))
    return out


class Router:
    """Routes items to lanes by score; see the module docstring."""

    def __init__(
        self,
        name: str,
        score: object,
        lanes: Mapping[str, tuple[float, float]] | Sequence[str] | None,
        queue_of: Mapping[str, str] | None,
        priority_of: Mapping[str, int] | None,
        start: Callable[..., Any],
        existing: Callable[[str], bool],
        chooser: Chooser | None = None,
    ) -> None:
        self.name = arguments.check_name(name, "name")
        self.chooser = chooser
        """The learned model that picks lanes (None: lanes by score range)."""
        if chooser is not None:
            self._score: Callable[[str], float] = _no_score
            self.lanes: dict[str, tuple[float, float]] = {}
            self.names = tuple(chooser.options)
            if lanes is not None and sorted(lanes) != sorted(self.names):
                raise errors.ConfigurationError(
                    f"lanes={lanes!r} must be the learned router's options {list(self.names)} "
                    "(or left out)"
                )
        else:
            scorer = getattr(score, "score", score)
            if not callable(scorer):
                raise errors.ConfigurationError(
                    f"score={score!r} must have .score(text), be a callable text -> float, "
                    "or be a BanditRouter"
                )
            self._score = scorer
            self.lanes = _check_lanes(lanes)
            self.names = tuple(self.lanes)
        self.queue_of = dict(queue_of or {})
        self.priority_of = dict(priority_of or {})
        for what, mapping in (("queue_of", self.queue_of), ("priority_of", self.priority_of)):
            unknown = sorted(set(mapping) - set(self.names))
            if unknown:
                raise errors.ConfigurationError(f"{what} names unknown lanes {unknown}")
        for lane, queue in self.queue_of.items():
            arguments.check_name(queue, f"queue_of[{lane!r}]")
        for lane, priority in self.priority_of.items():
            arguments.check_int(priority, f"priority_of[{lane!r}]")
        self._start = start
        self._existing = existing

    def score(self, text: str) -> float:
        """The score of `text` (checked to be a finite number)."""
        if not isinstance(text, str):
            raise errors.ConfigurationError(f"text={text!r} must be a str")
        value = self._score(text)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise errors.ConfigurationError(f"router {self.name!r}: score gave {value!r}")
        return float(value)

    def route(self, text: str | None = None) -> str:
        """The lane of `text` (a learned router chooses one and needs no text)."""
        if self.chooser is not None:
            return self.chooser.choose()
        if text is None:
            raise errors.ConfigurationError(
                f"router {self.name!r} routes by the score of a text: pass text=..."
            )
        return self.lane_of(self.score(text))

    def lane_of(self, value: float) -> str:
        """The lane whose range holds `value` (the nearest when none does)."""
        top = max(self.lanes.values(), key=lambda b: b[1])
        for lane, (low, high) in self.lanes.items():
            if low <= value < high or (value == high and (low, high) == top):
                return lane
        return min(
            self.lanes,
            key=lambda ln: min(abs(value - self.lanes[ln][0]), abs(value - self.lanes[ln][1])),
        )

    def queue(self, lane: str) -> str | None:
        """The queue of `lane` (None: the workflow's own)."""
        return self.queue_of.get(lane)

    def start(
        self,
        workflow: Any,
        /,
        *args: Any,
        text: str | None = None,
        id: str | None = None,
        search: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Start `workflow(*args, **kwargs)` in the lane of `text` (or the learned choice).

        A routed start id again returns its workflow as it was routed the first time.
        """
        if id is not None:
            if self._existing(id):
                return self._start(workflow, *args, id=id, **kwargs)
        lane = self.route(text)
        attributes = {**(search or {}), LANE: lane, ROUTER: self.name}
        handle = self._start(
            workflow,
            *args,
            id=id,
            queue=self.queue(lane),
            priority=self.priority_of.get(lane, 0),
            search=attributes,
            **kwargs,
        )
        _count(self.name, lane)
        return handle
