"""Queue limits in the store, enforced inside the claim: written once against a Connector.

A queue's limits live in `podium_queues`. Queues without claim limits (no row, or only
`max_depth`) are claimed by the store's plain claim, unchanged. A limited queue is claimed
by `claim` here, in one transaction that serializes with every other claim of that queue
(SQLite: the writer lock; PostgreSQL: the queue row `FOR UPDATE`):

1. workflows a limited claim made running are listed in `podium_queue_running`; entries
   whose workflow is no longer running are dropped, the rest count against `concurrency`
   and `per_key_concurrency` (a lookup per running workflow, never a scan of the backlog);
2. first claims (starts) inside the rate window are counted in `podium_queue_starts`;
3. ready workflows are taken in priority-then-FIFO order while every limit has room.

Which queues are limited is cached per store for `REFRESH_SECONDS`, so the plain claim path
costs one dictionary lookup more and no query.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from podium import errors
from podium.store import base, decode, queries

FEATURE = "queues"
REFRESH_SECONDS = 1.0
"""How long a store trusts its cached list of limited queues before reading it again."""
FIRST_PAGE = 16
MAX_PAGE = 1024


@dataclasses.dataclass(frozen=True)
class QueueConfig:
    """The limits of one queue; None means no limit of that kind."""

    name: str
    concurrency: int | None = None
    per_key_concurrency: int | None = None
    rate_limit: int | None = None
    rate_period: float | None = None
    max_depth: int | None = None
    priority: bool = True

    @property
    def limits_claims(self) -> bool:
        """True when claims must go through the limited path (concurrency, per key, rate)."""
        return (
            self.concurrency is not None
            or self.per_key_concurrency is not None
            or self.rate_limit is not None
        )

    def row(self, now: float) -> dict[str, Any]:
        """The parameters of `upsert`."""
        return {**dataclasses.asdict(self), "priority": int(self.priority), "now": now}


@dataclasses.dataclass(frozen=True)
class Stats:
    """Counts of one queue straight from the store."""

    depth: int
    running: int
    oldest_created_at: float | None
    finished: int


class _Limits:
    """A store's cached view of `podium_queues`, re-read at most every REFRESH_SECONDS."""

    def __init__(self) -> None:
        self.configs: dict[str, QueueConfig] = {}
        self.limited: frozenset[str] = frozenset()
        self.paused: frozenset[str] = frozenset()
        self.expires = 0.0
        self.lock = threading.Lock()


_CACHES: weakref.WeakKeyDictionary[Any, _Limits] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cache(connector: base.Connector) -> _Limits:
    with _CACHES_LOCK:
        found = _CACHES.get(connector)
        if found is None:
            found = _CACHES[connector] = _Limits()
        return found


def configs(connector: base.Connector, *, fresh: bool = False) -> dict[str, QueueConfig]:
    """Every stored queue config by name (cached; `fresh` reads the store now)."""
    cache = _cache(connector)
    if not fresh and time.monotonic() < cache.expires:
        return cache.configs
    with cache.lock:
        if fresh or time.monotonic() >= cache.expires:
            rows = connector.query(queries.load(connector.dialect, FEATURE)["all"], {})
            found = {str(row["name"]): decode.row(QueueConfig, row) for row in rows}
            cache.configs = found
            cache.limited = frozenset(n for n, c in found.items() if c.limits_claims)
            cache.paused = frozenset(str(r["name"]) for r in rows if r.get("paused"))
            cache.expires = time.monotonic() + REFRESH_SECONDS
        return cache.configs


def split(connector: base.Connector, queues: Sequence[str]) -> tuple[Sequence[str], list[str]]:
    """(`queues` the plain claim serves, the limited ones); `queues` itself when none is.

    Paused queues are in neither: nothing is claimed from them.
    """
    configs(connector)
    cache = _cache(connector)
    if cache.paused and not cache.paused.isdisjoint(queues):
        queues = [q for q in queues if q not in cache.paused]
    limited = cache.limited
    if not limited or limited.isdisjoint(queues):
        return queues, []
    return [q for q in queues if q not in limited], [q for q in queues if q in limited]


def any_limited(connector: base.Connector) -> bool:
    """True when some queue of this store has claim limits or is paused (cached)."""
    configs(connector)
    cache = _cache(connector)
    return bool(cache.limited or cache.paused)


def claims_may_wait(connector: base.Connector, queues: Sequence[str]) -> bool:
    """Whether a claim of `queues` can come back short while ready work waits (cached).

    True when one of them has a concurrency or rate limit, or is paused; then a claim that
    found less than it asked for says nothing about what is ready.
    """
    configs(connector)
    cache = _cache(connector)
    return not (cache.limited.isdisjoint(queues) and cache.paused.isdisjoint(queues))


def paused(connector: base.Connector, *, fresh: bool = False) -> frozenset[str]:
    """The names of the paused queues (cached; `fresh` reads the store now)."""
    configs(connector, fresh=fresh)
    return _cache(connector).paused


def set_paused(connector: base.Connector, queue: str, pause: bool, now: float) -> None:
    """Pause or resume claiming from `queue` (a row is made for a queue without limits)."""
    q = queries.load(connector.dialect, FEATURE)
    connector.execute(q["set_paused"], {"name": queue, "paused": int(pause), "now": now})
    configs(connector, fresh=True)


def save(connector: base.Connector, config: QueueConfig, now: float) -> None:
    """Write (insert or replace) a queue's limits, and refresh this store's cache."""
    connector.execute(queries.load(connector.dialect, FEATURE)["upsert"], config.row(now))
    configs(connector, fresh=True)


# -- starting --------------------------------------------------------------------------------


def create_bounded(
    connector: base.Connector, new: base.NewWorkflow, now: float, max_depth: int
) -> tuple[base.WorkflowRecord, bool]:
    """`create_workflow` unless the queue holds `max_depth` pending workflows (QueueFull).

    The count and the insert commit together (under the queue's lock on PostgreSQL), so no
    number of concurrent starts gets past the limit; a full queue writes nothing. The same
    id again returns the existing workflow, full or not.
    """
    q = queries.load(connector.dialect, FEATURE)
    params = {**base.shallow(new), "now": now, "max_depth": max_depth}
    with connector.transaction() as run:
        run(q["lock"], {"name": new.queue})
        rows = run(q["create_bounded"], params).rows
        if not rows:
            existing = run(q["get_workflow"], {"id": new.id})
    if rows:
        return base.WorkflowRecord.from_row(rows[0]), True
    if existing.rows:
        return base.WorkflowRecord.from_row(existing.rows[0]), False
    raise errors.QueueFull(new.queue, max_depth)


# -- claiming --------------------------------------------------------------------------------


class Claimant(NamedTuple):
    """Who claims at `now`, for a lease of `lease_seconds`, and which workflows it may take.

    `names` is `queries.name_filter`'s (with the takeover grace): only workflows of those names
    are picked or taken over.
    """

    owner: str
    now: float
    lease_seconds: float
    names: dict[str, Any]


def claim(
    connector: base.Connector,
    by: Claimant,
    queue_names: Sequence[str],
    limit: int,
    only_id: str | None = None,
) -> list[base.Claim]:
    """Claim up to `limit` ready workflows of limited queues, never past any queue limit."""
    claims: list[base.Claim] = []
    for name in queue_names:
        if len(claims) >= limit:
            break
        with connector.transaction() as run:
            q = queries.load(connector.dialect, FEATURE)
            picker = _Picker(run, q, name, by.now, by.names)
            claims += picker.claim(by.owner, limit - len(claims), by.lease_seconds, only_id)
    return claims


PlainClaim = Callable[[Claimant, Sequence[str], int], list[base.Claim]]


def claim_any(
    connector: base.Connector,
    plain_claim: PlainClaim,
    by: Claimant,
    queue_names: Sequence[str],
    limit: int,
) -> list[base.Claim]:
    """`Store.claim` for any mix of queues, shared by both stores.

    Unlimited queues go through the store's own `plain_claim` statement, then queues with
    limits (`claim`) for what is left of `limit`; both take only workflows `by.names` allows.
    """
    plain, limited = split(connector, queue_names)
    claims = plain_claim(by, plain, limit) if plain else []
    if limited and len(claims) < limit:
        claims += claim(connector, by, limited, limit - len(claims))
    return claims


def claim_one(connector: base.Connector, workflow_id: str, by: Claimant) -> list[base.Claim] | None:
    """Claim `workflow_id` through its queue's limits; None when its queue has none.

    A workflow of a paused queue is not claimed (an empty list).
    """
    q = queries.load(connector.dialect, FEATURE)
    rows = connector.query(q["workflow_queue"], {"id": workflow_id})
    if rows and rows[0]["queue"] in _cache(connector).paused:
        return []
    if not rows or rows[0]["queue"] not in _cache(connector).limited:
        return None
    return claim(connector, by, [rows[0]["queue"]], 1, workflow_id)


@dataclasses.dataclass
class _Picker:
    """One limited claim of one queue, inside the transaction that serializes them."""

    run: base.Execute
    q: dict[str, str]
    queue: str
    now: float
    names: dict[str, Any]

    def claim(
        self, owner: str, limit: int, lease_seconds: float, only_id: str | None
    ) -> list[base.Claim]:
        """Pick within the limits, claim the picked rows, and book them as running/started."""
        found = self.run(self.q["lock_claim"], {"name": self.queue}).rows
        if not found:
            return []
        config = decode.row(QueueConfig, found[0])
        params = {"queue": self.queue, "now": self.now}
        self.run(self.q["prune_running"], params)
        running = self.run(self.q["running"], params).rows
        params.update(self.names)
        held = {str(r["workflow_id"]) for r in running}
        per_key: dict[str, int] = {}
        for r in running:
            if r["key"] is not None:
                per_key[r["key"]] = per_key.get(r["key"], 0) + 1
        picked = [
            str(r["id"])
            for r in self.run(self.q["takeovers"], {**params, "limit": limit}).rows
            if only_id is None or r["id"] == only_id
        ]
        free = limit - len(picked)
        if config.concurrency is not None:
            free = min(free, config.concurrency - len(held))
        starts = self._start_budget(config)
        if free > 0:
            picked += self._pick(config, free, starts, held, per_key, set(picked), only_id)
        return self._take(owner, picked, lease_seconds, config)

    def _start_budget(self, config: QueueConfig) -> float:
        if config.rate_limit is None:
            return math.inf
        since = self.now - (config.rate_period or 0.0)
        self.run(self.q["prune_starts"], {"queue": self.queue, "since": since})
        used = self.run(self.q["count_starts"], {"queue": self.queue}).rows[0]["n"]
        return float(config.rate_limit - int(used))

    def _pick(
        self,
        config: QueueConfig,
        free: int,
        starts: float,
        held: set[str],
        per_key: dict[str, int],
        taken: set[str],
        only_id: str | None,
    ) -> list[str]:
        """Walk ready workflows in order, taking those every limit still has room for."""
        picked: list[str] = []
        offset, page = 0, max(FIRST_PAGE, free * 4)
        while len(picked) < free:
            params = {
                "queue": self.queue,
                "now": self.now,
                "fresh": starts > 0,
                "limit": page,
                "offset": offset,
                **self.names,
            }
            if only_id is not None:
                rows = self.run(self.q["candidate"], {**params, "id": only_id}).rows
            else:
                rows = self.run(self.q["candidates"], params).rows
            for row in rows:
                wf_id, key = str(row["id"]), row["key"]
                if wf_id in taken or wf_id in held:
                    continue
                fresh = int(row["runs"]) == 0
                if fresh and starts <= 0:
                    continue
                cap = config.per_key_concurrency
                if cap is not None and key is not None and per_key.get(key, 0) >= cap:
                    continue
                picked.append(wf_id)
                taken.add(wf_id)
                starts -= 1 if fresh else 0
                if key is not None:
                    per_key[key] = per_key.get(key, 0) + 1
                if len(picked) >= free:
                    break
            if len(rows) < page or only_id is not None:
                break
            offset, page = offset + page, min(page * 2, MAX_PAGE)
        return picked

    def _take(
        self, owner: str, picked: list[str], lease_seconds: float, config: QueueConfig
    ) -> list[base.Claim]:
        if not picked:
            return []
        params = {
            "ids": json.dumps(picked),
            "queue": self.queue,
            "owner": owner,
            "now": self.now,
            "lease_until": self.now + lease_seconds,
        }
        rows = {str(r["id"]): r for r in self.run(self.q["claim_ids"], params).rows}
        claims = []
        for wf_id in picked:
            row = rows.get(wf_id)
            if row is None:
                continue
            booking = {"id": wf_id, "queue": self.queue, "key": row["key"], "now": self.now}
            self.run(self.q["add_running"], booking)
            if config.rate_limit is not None and int(row["runs"]) == 1:
                self.run(self.q["add_start"], booking)
            claims.append(base.Claim.from_row(row))
        return claims


# -- inspecting ------------------------------------------------------------------------------


def stats(connector: base.Connector, queue: str, since: float) -> Stats:
    """Depth, running, oldest pending creation time, and workflows finished since `since`."""
    q = queries.load(connector.dialect, FEATURE)
    row = connector.query(q["stats"], {"queue": queue})[0]
    finished = connector.query(q["finished_since"], {"queue": queue, "since": since})[0]
    return Stats(
        depth=int(row["depth"] or 0),
        running=int(row["running"] or 0),
        oldest_created_at=None if row["oldest"] is None else float(row["oldest"]),
        finished=int(finished["n"]),
    )
