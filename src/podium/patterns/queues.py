"""Queue-based load leveling: `app.queue(...)` limits, back-pressure on start, queue stats.

A burst of starts is stored at once and drained at the rate the queue allows:

- `concurrency`: workflows of the queue running at once, across all workers;
- `per_key_concurrency`: the same per `key=` given at start (e.g. one per customer);
- `rate_limit=(n, seconds)`: at most n first starts in any window of that many seconds;
- `max_depth`: past that many pending workflows `start` raises QueueFull, writing nothing;
- `priority=False`: ignore `priority=` at start (pure FIFO).

Limits are enforced inside the store's claim (podium.store.queues); "running" means holding
a worker now, so a workflow parked on a long timer does not hold a slot.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from podium import errors
from podium.store import base
from podium.store import queues as queue_store

if TYPE_CHECKING:
    from podium.engine.runtime import Runtime

QueueConfig = queue_store.QueueConfig
THROUGHPUT_WINDOW = 60.0
"""Seconds over which `queue_stats` measures throughput."""


@dataclasses.dataclass(frozen=True)
class QueueStats:
    """A queue now: how many wait, how many run, how old the oldest is, how fast it drains."""

    name: str
    depth: int
    """Pending workflows (stored, not running yet; includes delayed starts)."""
    running: int
    oldest_age: float | None
    """Seconds since the oldest pending workflow was started; None when none is pending."""
    throughput: float
    """Workflows finished per second over the last THROUGHPUT_WINDOW seconds."""
    config: QueueConfig | None
    """The queue's limits (None: a queue without limits)."""


def define(
    name: str,
    concurrency: int | None,
    per_key_concurrency: int | None,
    rate_limit: tuple[int, float] | None,
    max_depth: int | None,
    priority: bool,
) -> QueueConfig:
    """Validate a queue's limits; ConfigurationError names the wrong one."""
    if not isinstance(name, str) or not name:
        raise errors.ConfigurationError(f"queue name {name!r} must be a non-empty string")
    for what, value in (
        ("concurrency", concurrency),
        ("per_key_concurrency", per_key_concurrency),
        ("max_depth", max_depth),
    ):
        _check_count(what, value)
    count, period = _check_rate(rate_limit)
    if not isinstance(priority, bool):
        raise errors.ConfigurationError(f"priority={priority!r} must be True or False")
    return QueueConfig(name, concurrency, per_key_concurrency, count, period, max_depth, priority)


def _check_count(what: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.ConfigurationError(f"{what}={value!r} must be an integer >= 1 (or None)")


def _check_rate(rate_limit: Any) -> tuple[int | None, float | None]:
    if rate_limit is None:
        return None, None
    try:
        count, period = rate_limit
    except (TypeError, ValueError):
        count, period = None, None
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or count < 1
        or isinstance(period, bool)
        or not isinstance(period, int | float)
        or not period > 0
    ):
        raise errors.ConfigurationError(
            f"rate_limit={rate_limit!r} must be (starts, seconds), e.g. (100, 60.0)"
        )
    return count, float(period)


def claim_check(rt: Runtime) -> Callable[[Sequence[str]], bool]:
    """The engine's claim check (see `hooks.ClaimCheck`): a limited or paused queue."""
    connector = rt.store.connector
    return lambda queues: queue_store.claims_may_wait(connector, queues)


def sync(rt: Runtime, queues: dict[str, QueueConfig]) -> None:
    """Write this app's queue definitions to the store (upsert)."""
    now = rt.clock.time()
    for config in queues.values():
        queue_store.save(rt.store.connector, config, now)


def create(
    store: base.Store, new: base.NewWorkflow, now: float
) -> tuple[base.WorkflowRecord, bool]:
    """`store.create_workflow` that honours the queue's config.

    A full `max_depth` queue raises QueueFull and writes nothing; `priority=False` stores
    priority 0; a workflow of a limited queue is never created already claimed (app.run
    then claims it through the queue's limits like any worker).
    """
    config = queue_store.configs(store.connector).get(new.queue)
    if config is None:
        return store.create_workflow(new, now)
    if not config.priority and new.priority:
        new = dataclasses.replace(new, priority=0)
    if config.limits_claims and new.owner is not None:
        new = dataclasses.replace(new, owner=None, lease_until=None)
    if config.max_depth is not None and new.owner is None:
        return queue_store.create_bounded(store.connector, new, now, config.max_depth)
    return store.create_workflow(new, now)


def stats(rt: Runtime, name: str) -> QueueStats:
    """The current counts of queue `name` (any queue, limited or not)."""
    now = rt.clock.time()
    found = queue_store.stats(rt.store.connector, name, now - THROUGHPUT_WINDOW)
    oldest = found.oldest_created_at
    return QueueStats(
        name=name,
        depth=found.depth,
        running=found.running,
        oldest_age=None if oldest is None else max(0.0, now - oldest),
        throughput=found.finished / THROUGHPUT_WINDOW,
        config=queue_store.configs(rt.store.connector, fresh=True).get(name),
    )
