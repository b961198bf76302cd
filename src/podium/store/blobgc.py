"""Deleting the claim-check blobs of purged workflows (`blob_store=`, see `blobs`).

Blobs are content-addressed, so two rows with the same large payload share one blob: a
purge may only delete a blob that no row references any more. `Collector.referenced_by`
reads the references the rows about to be purged hold (in the purge's transaction, before
its deletes); once that transaction has committed, `Collector.release` looks for each of
those references in every payload column still in the database and deletes the blobs that
none holds. A blob store without a `delete(key)` method keeps its blobs (logged once).

The purge's transaction also records those keys in `podium_blob_deletes`
(`Collector.remember`), and `release` drops each record once its blob is gone (or found
held). A delete that fails (the blob store raised) leaves the purge done and the record
kept, with how often it failed and why; so does a crash before `release`. Every later purge
and every worker's retention sweep (`Collector.retry`) looks again whether a row holds each
recorded blob (one may have been written with the same payload meanwhile: then the record
goes and the blob stays), tries the delete again and drops the record once the blob is gone,
so a blob store that was down for a while leaks nothing. `FileBlobStore.delete` keeps a
blob that was written or re-written within the last minute, so a start writing the same
payload meanwhile never loses its blob.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from podium.store import base, blobs, queries

log = logging.getLogger("podium.retention")

OWNED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("podium_workflows", "id", ("input", "output")),
    ("podium_history", "workflow_id", ("payload",)),
    ("podium_history_archive", "workflow_id", ("payload",)),
    ("podium_messages", "workflow_id", ("payload",)),
    ("podium_update_results", "workflow_id", ("result",)),
)
"""(table, workflow id column, payload columns) of what a purge deletes with a workflow."""
HOLDERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("podium_workflows", ("input", "output")),
    ("podium_history", ("payload",)),
    ("podium_history_archive", ("payload",)),
    ("podium_events", ("payload",)),
    ("podium_messages", ("payload",)),
    ("podium_machines", ("data",)),
    ("podium_machine_transitions", ("payload", "data")),
    ("podium_update_results", ("result",)),
    ("podium_remediations", ("result",)),
)
"""(table, columns) of every column that may hold a blob reference."""
BATCH = 500
PURGED = "purged; not deleted yet"
"""The reason a blob's record gives until a delete was tried."""


def blob_store_of(store: base.Store) -> blobs.BlobStore | None:
    """The blob store behind `store`'s claim checks (`App(blob_store=)`), or None."""
    coder = getattr(store, "chain", None)
    return coder.blobs if isinstance(coder, blobs.ClaimChecks) else None


def _member(dialect: str, column: str, param: str) -> str:
    if dialect == "postgres":
        return f"{column} = ANY(:{param})"
    return f"{column} IN (SELECT value FROM json_each(:{param}))"


class Collector:
    """The blob references of purged workflows, and the deletion of those left unused."""

    def __init__(
        self,
        connector: base.Connector,
        store: blobs.BlobStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._c = connector
        self._q = queries.load(connector.dialect, "blobgc")
        self.store = store
        self._clock = clock

    def referenced_by(self, execute: base.Execute, ids: list[str]) -> set[str]:
        """The blob keys the rows of workflows `ids` hold (run before deleting them)."""
        keys: set[str] = set()
        array = self._c.array(ids)
        for table, owner, columns in OWNED:
            for column in columns:
                # `AS ref`: not a payload column's name, so the coded connector leaves it be.
                sql = (
                    f"SELECT {column} AS ref FROM {table} WHERE "
                    f"{_member(self._c.dialect, owner, 'ids')} AND {column} LIKE :pattern"
                )
                pattern = blobs.PREFIX + "%"
                found = execute(
                    queries.adapt(self._c.dialect, sql), {"ids": array, "pattern": pattern}
                )
                keys.update(_keys(found.rows))
        return keys

    def remember(self, execute: base.Execute, keys: Iterable[str]) -> None:
        """Record `keys` as blobs to delete, in the purge's transaction (before its deletes).

        So a crash between the purge's commit and `release` leaves them to `retry`, never
        forgotten. Nothing is recorded for a blob store without `delete(key)`.
        """
        if getattr(self.store, "delete", None) is None:
            return
        now = self._clock()
        for key in sorted(keys):
            execute(self._q["remember"], {"blob_key": key, "failed_at": now, "reason": PURGED})

    def release(self, keys: Iterable[str]) -> int:
        """Delete the blobs of `keys` that no row references now; how many went.

        A delete that raises stays recorded for `retry` (never lost: the blob would leak).
        """
        return self._collect(sorted(keys))

    def retry(self, limit: int = BATCH) -> int:
        """Try again the deletes that failed or were cut short before (oldest first).

        A blob a row holds again is not deleted: its record goes (the purge of that row will
        find it again). A delete that fails again stays recorded, its count raised. How many
        blobs went.
        """
        rows = self._c.query(self._q["due"], {"limit": limit})
        return self._collect([str(row["blob_key"]) for row in rows])

    def pending(self) -> int:
        """How many blob deletes wait for a retry."""
        return int(self._c.query(self._q["count"], {})[0]["n"])

    def _collect(self, keys: list[str]) -> int:
        delete: Callable[[str], object] | None = getattr(self.store, "delete", None)
        if delete is None or not keys:
            if keys:
                log.info("blob store %r has no delete(key): %d blobs kept", self.store, len(keys))
            return 0
        gone = 0
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            try:
                held = self._still_held(chunk)
            except Exception as exc:  # recorded: a later sweep looks again
                log.warning("could not look for %d blobs' references (%s)", len(chunk), exc)
                continue
            settled = []
            for key in chunk:
                done = False if key in held else self._try(delete, key)
                if done is not None:
                    settled.append(key)
                    gone += 1 if done else 0
            self._settle(settled)
        return gone

    def _try(self, delete: Callable[[str], object], key: str) -> bool | None:
        """Delete `key`: True if it went, False if absent, None if it failed or was kept.

        Kept: the store declined (`FileBlobStore` keeps a blob written again within its
        grace period) and says with `exists(key)` that it is still there: retried later.
        """
        try:
            if delete(key) is not False:
                return True
            exists: Callable[[str], bool] | None = getattr(self.store, "exists", None)
            return None if exists is not None and exists(key) else False
        except Exception as exc:  # stays recorded, so a later sweep retries it
            reason = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("could not delete blob %s (%s); a later sweep retries it", key, reason)
            try:
                params = {"blob_key": key, "failed_at": self._clock(), "reason": reason}
                self._c.execute(self._q["failed"], params)
            except Exception as also:  # the record `remember` wrote stays: retried anyway
                log.warning("could not record the failed delete of blob %s (%s)", key, also)
            return None

    def _settle(self, keys: list[str]) -> None:
        """Drop the records of `keys`: deleted, absent, or held again."""
        if keys:
            member = _member(self._c.dialect, "blob_key", "keys")
            sql = f"DELETE FROM podium_blob_deletes WHERE {member}"
            self._c.execute(queries.adapt(self._c.dialect, sql), {"keys": self._c.array(keys)})

    def _still_held(self, keys: list[str]) -> set[str]:
        refs = self._c.array([blobs.PREFIX + key for key in keys])
        held: set[str] = set()
        for table, columns in HOLDERS:
            for column in columns:
                sql = (
                    f"SELECT DISTINCT {column} AS ref FROM {table} "
                    f"WHERE {_member(self._c.dialect, column, 'refs')}"
                )
                held.update(
                    _keys(self._c.query(queries.adapt(self._c.dialect, sql), {"refs": refs}))
                )
        return held


def _keys(rows: list[dict[str, Any]]) -> set[str]:
    return {
        str(row["ref"])[len(blobs.PREFIX) :]
        for row in rows
        if str(row["ref"]).startswith(blobs.PREFIX)
    }
