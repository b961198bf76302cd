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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from podium import codecs
from podium.store import base, blobs, queries

TABLES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("podium_workflows", ("id",), ("input", "output")),
    ("podium_history", ("workflow_id", "seq"), ("payload",)),
    ("podium_history_archive", ("workflow_id", "generation", "seq"), ("payload",)),
    ("podium_events", ("seq",), ("payload",)),
    ("podium_messages", ("workflow_id", "topic", "seq"), ("payload",)),
    ("podium_machines", ("machine", "id"), ("data",)),
    ("podium_machine_transitions", ("machine", "id", "seq"), ("payload", "data")),
    ("podium_update_results", ("workflow_id", "update_id"), ("result",)),
)
"""(table, primary key columns, payload columns) of every table holding payloads."""


@dataclasses.dataclass
class RekeyResult:
    """What a pass did: values looked at, rewritten, and left because they changed meanwhile."""

    scanned: int = 0
    rewritten: int = 0
    raced: int = 0
    blobs: int = 0
    """References to blobs (claim checks), left as they are: blobs are not re-encoded."""
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


def rekey(
    store: base.Store,
    chain: codecs.Chain,
    *,
    batch: int = 500,
    progress: Callable[[str, int], None] | None = None,
) -> RekeyResult:
    """Rewrite every payload not stored as `chain` writes now; see the module docstring.

    `store` must be the plain store (not an App's coded one): the pass reads and writes the
    stored text itself.
    """
    c = store.connector
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
                todo = []
                for row in rows:
                    result.scanned += 1
                    text = row["value"]
                    if isinstance(text, str) and text.startswith(blobs.PREFIX):
                        result.blobs += 1  # a claim check: its blob is not re-encoded
                    elif isinstance(text, str) and not chain.is_current(text):
                        new = chain.encode(chain.decode(text))
                        keys = {f"k{i}": row[k] for i, k in enumerate(key)}
                        todo.append({**keys, "new": new, "old": text})
                if todo:
                    with c.transaction() as execute:
                        for params in todo:
                            if execute(update, params).rowcount == 1:
                                result.rewritten += 1
                                result.per_table[table] = result.per_table.get(table, 0) + 1
                            else:
                                result.raced += 1
                if progress is not None and rows:
                    progress(f"{table}.{column}", len(rows))
                if len(rows) < batch:
                    break
                last = {f"k{i}": rows[-1][k] for i, k in enumerate(key)}
    return result
