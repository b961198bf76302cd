"""Per-workflow retention: `@app.workflow(retention=timedelta(days=7))` purges old finished runs.

A workflow declared with `retention=` has its finished top-level runs (completed, failed,
cancelled) deleted once they were created and last changed longer ago than that, with
everything stored about them and their children, by the same machinery as
`app.purge(older_than=...)` (`podium.store.retention`): one batch per transaction, running,
waiting and pending runs never touched, a workflow resumed meanwhile kept. Audit rows are
kept (each sweep that deleted something adds a `workflow.purge` entry naming the workflow).

Who sweeps: every worker serving the app runs a `Sweeper` beside it (a worker service, see
engine/hooks), every `SWEEP_SECONDS` at most; and `app.purge()` without `older_than` sweeps
once, now. Several workers sweeping at once is harmless: a row is deleted once, the other
sweeps find nothing. A child workflow's own `retention=` does not purge it apart from its
parent (children always go with their parent). Workflows this process has not registered
are left alone: retention is a property of the code that declares it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

from podium.engine import background
from podium.engine.runtime import Runtime
from podium.store import auth, base, blobgc, retention

SWEEP_SECONDS = 300.0
"""The longest a worker waits between sweeps (a shorter retention sweeps more often)."""

SWEEP_BATCH = 100
"""Workflows per transaction of a sweeper: small, so the worker beside it keeps its latency
(purging 100,000 on SQLite: W3 p50 x1.5 while it runs at 100 per batch, x4.6 at 500;
benchmarks/governance.py --workload purge)."""

ROUND_BATCHES = 50
"""Batches per workflow in one round of a sweeper; more follow at once. A round is what a
worker's shutdown may wait for."""

ACTOR = "retention"
"""Who the audit log says purged (the app's name follows)."""


def policies(rt: Runtime) -> dict[str, float]:
    """Seconds to keep finished runs, by name, of the registered workflows that say so."""
    found: dict[str, float] = {}
    for name, definition in list(rt.registry.workflows.items()):
        keep = definition.options.retention
        if keep is not None:
            found[name] = keep
    return found


def sweep(
    store: base.Store,
    now: float,
    kept: dict[str, float],
    statuses: Sequence[str] | None = None,
    *,
    batch: int = 500,
    dry_run: bool = False,
    actor: str = ACTOR,
    max_batches: int | None = None,
) -> retention.PurgeResult:
    """Purge each workflow's runs older than its retention; one audit entry per workflow.

    `max_batches` caps the batches per workflow (the sweeper's bounded rounds).
    """
    walker = retention.Retention(store)
    wanted = retention.check_statuses(statuses)
    deleted = skipped = batches = 0
    for name, seconds in sorted(kept.items()):
        found = walker.purge(
            now - seconds,
            wanted,
            batch=batch,
            dry_run=dry_run,
            workflow=name,
            max_batches=max_batches,
        )
        deleted, skipped = deleted + found.workflows, skipped + found.skipped
        batches += found.batches
        if found.workflows and not dry_run:
            detail = {"workflow": name, "retention_s": seconds, "workflows": found.workflows}
            detail |= {"statuses": list(wanted), "skipped": found.skipped, "dry_run": False}
            auth.AuthStore(store).audit(actor, "workflow.purge", name, detail, time.time())
    return retention.PurgeResult(deleted, skipped, batches, dry_run)


def interval(kept: dict[str, float], poll_interval: float) -> float:
    """Seconds until the next sweep: a tenth of the shortest retention, within bounds."""
    shortest = min(kept.values(), default=SWEEP_SECONDS * 10)
    return min(SWEEP_SECONDS, max(poll_interval * 10, shortest / 10))


class Sweeper(background.Loop):
    """A worker's thread that purges the runs past their workflow's `retention=`.

    With no workflow declaring one it only looks at the registry (no store call), and with
    claim checks (`blob_store=`) retries the blob deletes purges could not do (see
    store/blobgc). The first
    sweep waits a random part of the interval, so workers started together do not sweep
    together.
    """

    name = "podium-retention"

    def __init__(self, rt: Runtime) -> None:
        super().__init__(rt.log)
        self.rt = rt

    def first_wait(self) -> float:
        """See `background.Loop.first_wait`."""
        return random.uniform(0, interval(policies(self.rt), self.rt.settings.poll_interval))

    def retry_seconds(self) -> float:
        """See `background.Loop.retry_seconds`."""
        return interval(policies(self.rt), self.rt.settings.poll_interval)

    def step(self) -> float:
        """Sweep once if any workflow declares a retention; the wait before the next sweep."""
        kept = policies(self.rt)
        if not kept:
            if blobgc.blob_store_of(self.rt.store) is not None:  # failed blob deletes
                retention.Retention(self.rt.store).retry_blobs()
            return interval(kept, self.rt.settings.poll_interval)
        now = self.rt.clock.time()
        found = sweep(
            self.rt.store,
            now,
            kept,
            batch=SWEEP_BATCH,
            actor=_actor(self.rt),
            max_batches=ROUND_BATCHES,
        )
        if found.workflows:
            self.rt.log.info("retention: purged %d finished workflows", found.workflows)
        if found.workflows and found.batches >= ROUND_BATCHES:
            return 0.0  # a full round that made progress: more are probably due
        return interval(kept, self.rt.settings.poll_interval)


def _actor(rt: Runtime) -> str:
    return f"{ACTOR}:{rt.name}"
