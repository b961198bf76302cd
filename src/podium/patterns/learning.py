"""Learned routing: a bandit picks each item's lane and learns from how its workflow ended.

`app.router("pools", score=BanditRouter(["fast", "cheap"], seed=1), queue_of={...})` makes a
learned router: `router.start(workflow, ...)` asks the bandit for a lane (no text needed)
and starts the workflow there, recording the lane as its search attributes (see
`routing`). When the workflow ends, a run listener (in whichever worker ran it) records the
outcome once in the store, keyed by (router, workflow id): a workflow that ends again after a
resume, a replay or a second listener changes nothing. The reward is
`reward(succeeded, seconds)` (default `reward_of(succeeded, latency=seconds)`: 1 for a
success, 0 for a failure, minus 0.1 per second from creation to end).

The store is what is learned: before a choice (at most every `SYNC_SECONDS`) each process's
router folds the outcomes recorded since its last look into its bandit, so what a worker saw
is learned by every process that starts items, and a restarted process first folds the
latest `KEEP` outcomes (older ones weigh less than g^KEEP with the bandit's discount g, which
is negligible with the default 0.998). Outcomes older than `RETENTION` are purged.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol

from podium import errors
from podium.engine import hooks
from podium.engine.runtime import Runtime
from podium.patterns import routing
from podium.store import routes as route_store
from podium.store import search as search_store

SYNC_SECONDS = 1.0
"""How often (clock seconds) a router reads the outcomes other processes recorded."""
WINDOW = 120.0
"""How far back each read looks (an outcome committed this late is still folded once)."""
KEEP = 5000
"""How many of the latest outcomes a process folds when it starts."""
RETENTION = 7 * 86400.0
PURGE_EVERY = 600.0

Reward = Callable[[bool, float], float]
"""`reward(succeeded, seconds from creation to end) -> float`; higher is better."""


class Bandit(Protocol):
    """What a learned router needs of its model (`podium.intelligence.BanditRouter`)."""

    options: tuple[str, ...]

    def choose(self, features: Any = None) -> str:
        """The option for the next item."""
        ...

    def observe(self, option: str, reward: float, features: Any = None) -> None:
        """Fold one observed reward of `option`."""
        ...


def is_bandit(score: object) -> bool:
    """Whether `score` is a learning model rather than a scorer of text."""
    return all(hasattr(score, name) for name in ("choose", "observe", "options"))


def default_reward(succeeded: bool, seconds: float) -> float:
    """1 for a success, 0 for a failure, less 0.1 per second it took (`reward_of`)."""
    from podium.intelligence.router import reward_of

    return reward_of(succeeded, latency=max(0.0, seconds))


class Learner:
    """A bandit kept in step with the outcomes in the store; see the module docstring."""

    def __init__(
        self,
        name: str,
        bandit: Bandit,
        reward: Reward | None,
        runtime: Callable[[], Runtime],
    ) -> None:
        if reward is not None and not callable(reward):
            raise errors.ConfigurationError(
                f"reward={reward!r} must be a callable (succeeded, seconds) -> float"
            )
        self.name = name
        self.bandit = bandit
        self.reward: Reward = reward or default_reward
        self.options: tuple[str, ...] = tuple(bandit.options)
        self._runtime = runtime
        self._lock = threading.Lock()
        self._loaded = False
        self._synced_at = -math.inf
        self._seen: dict[str, float] = {}
        self.folded = 0
        """How many recorded outcomes this process folded into its bandit."""

    def choose(self) -> str:
        """A lane for the next item, after folding what was learned since the last look."""
        with self._lock:
            self._sync(force=False)
            return self.bandit.choose()

    def sync(self) -> None:
        """Fold the outcomes recorded since the last look now."""
        with self._lock:
            self._sync(force=True)

    def _sync(self, force: bool) -> None:
        rt = self._runtime()
        now = rt.clock.time()
        if self._loaded and not force and now - self._synced_at < SYNC_SECONDS:
            return
        book = rt.store.feature(route_store.RouteStore)
        if self._loaded:
            found = book.since(self.name, self._synced_at - WINDOW)
        else:
            found = book.latest(self.name, KEEP)
        for outcome in found:
            if outcome.workflow_id in self._seen:
                continue
            self._seen[outcome.workflow_id] = outcome.at
            if outcome.lane in self.options:
                self.bandit.observe(outcome.lane, outcome.reward)
                self.folded += 1
        self._loaded, self._synced_at = True, now
        horizon = now - 2 * WINDOW
        self._seen = {k: at for k, at in self._seen.items() if at >= horizon}


class OutcomeListener:
    """The run listener that records each routed workflow's first end (see the module)."""

    def __init__(self, rt: Runtime, learner: Learner, queues: Collection[str] | None) -> None:
        self.rt = rt
        self.learner = learner
        self.queues = None if queues is None else frozenset(queues)
        self._purged = -math.inf

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, OutcomeListener)
            and other.rt is self.rt
            and other.learner is self.learner
        )

    def __hash__(self) -> int:
        return hash((id(self.rt), id(self.learner)))

    def __call__(self, end: hooks.RunEnd) -> None:
        """Record the outcome of a workflow this router started, once."""
        wf = end.workflow
        if not end.ended or (self.queues is not None and wf.queue not in self.queues):
            return
        attributes = search_store.for_store(self.rt.store).get(wf.id)
        lane = attributes.get(routing.LANE)
        if attributes.get(routing.ROUTER) != self.learner.name or not isinstance(lane, str):
            return
        now = self.rt.clock.time()
        reward = self.learner.reward(end.outcome == "completed", max(0.0, now - wf.created_at))
        if isinstance(reward, bool) or not isinstance(reward, int | float):
            raise errors.ConfigurationError(
                f"router {self.learner.name!r}: reward gave {reward!r}, not a number"
            )
        if not math.isfinite(reward):
            raise errors.ConfigurationError(
                f"router {self.learner.name!r}: reward gave {reward!r}, not a finite number"
            )
        book = self.rt.store.feature(route_store.RouteStore)
        book.record(self.learner.name, wf.id, lane, float(reward), now)
        if now - self._purged >= PURGE_EVERY:
            self._purged = now
            book.purge(self.learner.name, now - RETENTION)


def lane_queues(options: Collection[str], queue_of: Mapping[str, str] | None) -> set[str] | None:
    """The queues a learned router's workflows run on (None: some run on their own queue)."""
    named = dict(queue_of or {})
    if any(option not in named for option in options):
        return None
    return set(named.values())
