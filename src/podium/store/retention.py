"""Retention: delete finished workflows older than a cutoff, with everything stored about them.

`app.purge(older_than=...)` and `podium purge --older-than 30d` walk the finished workflows
(completed, failed, cancelled; or the given statuses) that were created and last changed
before the cutoff, oldest first, in batches. Each batch is one transaction: the workflow rows
are deleted only if still finished (a workflow resumed meanwhile stays), then their history,
attempts, messages, waits, search attributes, update results, archived histories, trace
context and queue bookkeeping. A workflow's children go with it (children are never purged on their
own, so a parent that still waits for one keeps it); a workflow with a child that has not
finished is kept whole. Running, waiting and pending workflows are never
touched, nor state-machine instances (`podium.machine:*`), events or the audit log (which
keeps its own chain). A dry run counts what would go and deletes nothing. With claim checks
(`blob_store=`), the blobs only the purged rows referenced are deleted after each batch
commits (see `blobgc`); a blob delete that failed is retried by the next purge or sweep.

A purged id is free again: `start(id=...)` with it afterwards starts a new workflow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from podium import errors
from podium.store import base, blobgc, queries
from podium.types import TERMINAL_STATUSES


@dataclasses.dataclass(frozen=True)
class PurgeResult:
    """What a purge did (or, in a dry run, would do)."""

    workflows: int
    """Workflows deleted, children included (or that would be)."""
    skipped: int
    """Old finished workflows kept because a child of theirs has not finished."""
    batches: int
    dry_run: bool


def check_statuses(statuses: Sequence[str] | str | None) -> tuple[str, ...]:
    """The statuses a purge may delete; ConfigurationError for any other."""
    if statuses is None:
        return tuple(sorted(TERMINAL_STATUSES))
    if isinstance(statuses, str):
        statuses = [statuses]
    bad = [s for s in statuses if s not in TERMINAL_STATUSES]
    if bad or not statuses:
        raise errors.ConfigurationError(
            f"purge status {bad or list(statuses)!r} is not a finished status; use one or more "
            f"of {', '.join(sorted(TERMINAL_STATUSES))} (running and waiting ones are never purged)"
        )
    return tuple(dict.fromkeys(statuses))


class Retention:
    """The purge verb over any store's connector."""

    def __init__(self, store: base.Store) -> None:
        self._c = store.connector
        self._q = queries.load(self._c.dialect, "retention")
        blob_store = blobgc.blob_store_of(store)
        self._blobs = None if blob_store is None else blobgc.Collector(self._c, blob_store)
        """With claim checks: the blobs of purged workflows are deleted once unreferenced."""
        self._retried = False
        self._dependents = sorted(
            name for name in self._q if name.startswith("delete_") and name != "delete_workflows"
        )
        """The statements deleting what a workflow owns (history, attempts, ... per dialect)."""

    def purge(
        self,
        cutoff: float,
        statuses: Sequence[str] | None = None,
        *,
        batch: int = 500,
        dry_run: bool = False,
        workflow: str | None = None,
        max_batches: int | None = None,
    ) -> PurgeResult:
        """Delete finished workflows created and last changed before `cutoff` (epoch s).

        `workflow`: only top-level runs of that workflow name (a per-workflow `retention=`);
        their children go with them as always. `max_batches`: stop after that many batches
        (a worker's sweep that must not hold up the worker's shutdown); call again for more.
        """
        wanted = check_statuses(statuses)
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise errors.ConfigurationError(f"batch={batch!r} must be a whole number >= 1")
        if not dry_run and not self._retried:
            self.retry_blobs()
        s1, s2, s3 = (wanted * 3)[:3]
        after_at, after_id = -1.0, ""
        deleted = skipped = batches = 0
        while True:
            params = {"cutoff": cutoff, "s1": s1, "s2": s2, "s3": s3, "limit": batch}
            params |= {"after_at": after_at, "after_id": after_id}
            if workflow is None:
                rows = self._c.query(self._q["candidates"], params)
            else:
                rows = self._c.query(self._q["candidates_of"], params | {"workflow": workflow})
            if not rows:
                break
            batches += 1
            after_at, after_id = float(rows[-1]["created_at"]), str(rows[-1]["id"])
            ids, kept = self._with_children([str(r["id"]) for r in rows])
            skipped += kept
            deleted += len(ids) if dry_run else self._delete(ids)
            if len(rows) < batch or (max_batches is not None and batches >= max_batches):
                break
        return PurgeResult(deleted, skipped, batches, dry_run)

    def retry_blobs(self) -> int:
        """Retry the blob deletes earlier purges could not do (see `blobgc`); how many went.

        Once per `Retention` (a sweep over several workflows retries once).
        """
        self._retried = True
        return 0 if self._blobs is None else self._blobs.retry()

    def _with_children(self, roots: list[str]) -> tuple[list[str], int]:
        """`roots` and all their descendants, minus each root with an unfinished descendant."""
        parent_of: dict[str, str] = {}
        unfinished: set[str] = set()
        level = roots
        while level:
            rows = self._c.query(self._q["children_of"], {"ids": self._c.array(level)})
            for r in rows:
                parent_of[str(r["id"])] = str(r["parent_id"])
                if r["status"] not in TERMINAL_STATUSES:
                    unfinished.add(str(r["id"]))
            level = [str(r["id"]) for r in rows]
        root_set = set(roots)
        blocked: set[str] = set()
        for child in unfinished:
            node = child
            while node not in root_set and node in parent_of:
                node = parent_of[node]
            blocked.add(node)
        keep = [r for r in roots if r not in blocked]
        family = set(keep)
        for child in parent_of:
            node = child
            while node in parent_of:
                node = parent_of[node]
            if node in family:
                family.add(child)
        return sorted(family), len(blocked & root_set)

    def _delete(self, ids: list[str]) -> int:
        if not ids:
            return 0
        keys: set[str] = set()
        with self._c.transaction() as execute:
            if self._blobs is not None:  # read before the rows go (a kept one's stay held)
                keys = self._blobs.referenced_by(execute, ids)
                self._blobs.remember(execute, keys)  # committed with the deletes
            gone = execute(self._q["delete_workflows"], {"ids": self._c.array(ids)}).rows
            done: list[Any] = [str(r["id"]) for r in gone]
            if done:
                array = self._c.array(done)
                for name in self._dependents:
                    execute(self._q[name], {"ids": array})
        if keys and self._blobs is not None:  # committed: now the blobs no row holds go
            self._blobs.release(keys)
        return len(done)
