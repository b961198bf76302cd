"""Re-encoding stored payloads under an App's codec chain as it is now (`podium rekey`).

After a key rotation (`KeyRing(..., current="k2")`) payloads written under the old key stay
readable but stay under it; rows written before codecs were configured stay in clear. A
rekey pass walks every payload column (see `coded.PAYLOAD_COLUMNS`) of every table that has
one, in primary-key order and in batches, and rewrites each value that is not stored exactly
as the chain writes now (`Chain.is_current`).

Safe while workers run: each rewrite is a conditional update (`WHERE <key> AND column =
<the text read>`), so a value a worker changed meanwhile is left alone (the worker wrote it
under the current chain anyway). Resumable: every batch commits on its own, and a second
pass skips what is already current, so an interrupted pass is simply run again.

Claim checks (`App(blob_store=...)`): a row holding a blob reference (`~b1:<key>`) is
rekeyed by reading its blob, re-encoding what it holds and writing a new blob (blobs are
content-addressed, so the new text gets a new key; a blob is never rewritten in place). The
row is pointed at the new blob by the same conditional update, in the batch's transaction,
which also records the old blob in `podium_blob_deletes` (`blobgc.Collector.remember`): the
next purge or worker retention sweep deletes it once no row holds it (another row sharing
it keeps it until that row is rekeyed too). The old blob is never deleted by the pass
itself, so a reader that read the old reference just before the commit still finds it. A
crash before the commit leaves the row on the old blob (still readable while its key is in
the ring) and at worst an unreferenced new blob; after it, the row reads the new blob. A
new blob whose row changed meanwhile is recorded for deletion in the same transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from podium import codecs
from podium.store import base, blobgc, blobs, queries

TABLES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("podium_workflows", ("id",), ("input", "output")),
    ("podium_history", ("workflow_id", "seq"), ("payload",)),
    ("podium_history_archive", ("workflow_id", "generation", "seq"), ("payload",)),
    ("podium_events", ("seq",), ("payload",)),
    ("podium_messages", ("workflow_id", "topic", "seq"), ("payload",)),
    ("podium_machines", ("machine", "id"), ("data",)),
    ("podium_machine_transitions", ("machine", "id", "seq"), ("payload", "data")),
    ("podium_update_results", ("workflow_id", "update_id"), ("result",)),
    ("podium_remediations", ("id",), ("result",)),
)
"""(table, primary key columns, payload columns) of every table holding payloads."""


@dataclasses.dataclass
class RekeyResult:
    """What a pass did: values looked at, rewritten, and left because they changed meanwhile."""

    scanned: int = 0
    rewritten: int = 0
    raced: int = 0
    blobs: int = 0
    """References to blobs (claim checks) looked at."""
    blobs_rewritten: int = 0
    """Rows pointed at a new blob re-encoded under the current chain (counted in `rewritten`)."""
    blobs_missing: int = 0
    """References whose blob could not be read (left as they are; see `podium purge`)."""
    per_table: dict[str, int] = dataclasses.field(default_factory=dict)


def _select(table: str, key: tuple[str, ...], column: str, *, first: bool) -> str:
    """The next batch in key order: from the start, or after the key values `:k0, :k1...`."""
    cols = ", ".join(key)
    after = " OR ".join(
        "("
        + " AND ".join([*(f"{k} = :k{j}" for j, k in enumerate(key[:i])), f"{key[i]} > :k{i}"])
        + ")"
        for i in range(len(key))
    )
    where = "" if first else f"WHERE {after} "
    return f"SELECT {cols}, {column} AS value FROM {table} {where}ORDER BY {cols} LIMIT :limit"


def _update(table: str, key: tuple[str, ...], column: str) -> str:
    where = " AND ".join(f"{k} = :k{i}" for i, k in enumerate(key))
    return f"UPDATE {table} SET {column} = :new WHERE {where} AND {column} = :old"


def _reblob(
    chain: codecs.Chain, store: blobs.BlobStore, key: str, made: dict[str, str | None]
) -> str | None:
    """The reference of blob `key` re-encoded under `chain` (written now), or None if current.

    `made` caches per batch, so rows sharing a blob share the new one too. Raises KeyError,
    OSError or UnicodeDecodeError when the blob cannot be read.
    """
    if key not in made:
        text = store.get(key).decode("utf-8")
        if chain.is_current(text):
            made[key] = None
        else:
            made[key] = blobs.PREFIX + store.put(chain.encode(chain.decode(text)).encode("utf-8"))
    return made[key]


def rekey(
    store: base.Store,
    chain: codecs.Chain,
    *,
    batch: int = 500,
    progress: Callable[[str, int], None] | None = None,
    blob_store: blobs.BlobStore | None = None,
) -> RekeyResult:
    """Rewrite every payload not stored as `chain` writes now; see the module docstring.

    `store` must be the plain store (not an App's coded one): the pass reads and writes the
    stored text itself. `blob_store`: the App's claim-check blob store, whose blobs are
    re-encoded too (without it, references are counted and left as they are).
    """
    c = store.connector
    collector = None if blob_store is None else blobgc.Collector(c, blob_store)
    result = RekeyResult()
    for table, key, columns in TABLES:
        for column in columns:
            select = queries.adapt(c.dialect, _select(table, key, column, first=True))
            after = queries.adapt(c.dialect, _select(table, key, column, first=False))
            update = queries.adapt(c.dialect, _update(table, key, column))
            last: dict[str, object] | None = None
            while True:
                if last is None:
                    rows = c.query(select, {"limit": batch})
                else:
                    rows = c.query(after, {**last, "limit": batch})
                todo: list[dict[str, object]] = []
                made: dict[str, str | None] = {}
                for row in rows:
                    result.scanned += 1
                    text = row["value"]
                    keys = {f"k{i}": row[k] for i, k in enumerate(key)}
                    if isinstance(text, str) and text.startswith(blobs.PREFIX):
                        result.blobs += 1
                        if blob_store is None:
                            continue
                        try:
                            new_ref = _reblob(chain, blob_store, text[len(blobs.PREFIX) :], made)
                        except (KeyError, OSError, UnicodeDecodeError):
                            result.blobs_missing += 1
                            continue
                        if new_ref is not None:
                            todo.append({**keys, "new": new_ref, "old": text})
                    elif isinstance(text, str) and not chain.is_current(text):
                        new = chain.encode(chain.decode(text))
                        todo.append({**keys, "new": new, "old": text})
                if todo:
                    _apply(c, update, todo, collector, result, table)
                if progress is not None and rows:
                    progress(f"{table}.{column}", len(rows))
                if len(rows) < batch:
                    break
                last = {f"k{i}": rows[-1][k] for i, k in enumerate(key)}
    return result


def _apply(
    c: base.Connector,
    update: str,
    todo: list[dict[str, object]],
    collector: blobgc.Collector | None,
    result: RekeyResult,
    table: str,
) -> None:
    """One batch's conditional updates in one transaction, with the blobs they free recorded."""
    freed: set[str] = set()
    used: set[str] = set()
    unused: set[str] = set()
    with c.transaction() as execute:
        for params in todo:
            old, new = str(params["old"]), str(params["new"])
            is_blob = new.startswith(blobs.PREFIX)
            if execute(update, params).rowcount == 1:
                result.rewritten += 1
                result.per_table[table] = result.per_table.get(table, 0) + 1
                if is_blob:
                    result.blobs_rewritten += 1
                    used.add(new[len(blobs.PREFIX) :])
                    if old.startswith(blobs.PREFIX):
                        freed.add(old[len(blobs.PREFIX) :])
            else:
                result.raced += 1
                if is_blob:
                    unused.add(new[len(blobs.PREFIX) :])
        if collector is not None:
            # Deleted later (a purge, a worker's sweep) once no row holds them.
            collector.remember(execute, (freed | unused) - used)
