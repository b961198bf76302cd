"""Debounced starts in the store: later starts with one key fold into one pending run.

One transaction per start. It first upserts the `podium_debounce` row of (workflow name,
key), which serializes racing starts of that key in every process (PostgreSQL: the row lock
the upsert takes, held to commit; SQLite: BEGIN IMMEDIATE's writer lock). If the row points
at a workflow that no worker has taken yet, that workflow takes this start's input (the
latest input wins, as in Inngest and DBOS) and its quiet period starts again; otherwise the
row is pointed at a new workflow created in the same transaction. With a maximum wait, a
fold never moves the run later than its first start (the held workflow's `created_at`)
plus that wait, so steady starts cannot postpone it forever (Inngest's debounce timeout).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podium import errors
from podium.store import base, queries
from podium.store import queues as queue_store
from podium.store import search as search_store


def start(
    store: base.Store,
    new: base.NewWorkflow,
    key: str,
    attrs: Mapping[str, Any],
    now: float,
    max_wait: float | None = None,
    max_depth: int | None = None,
) -> tuple[base.WorkflowRecord, bool]:
    """Fold `new` into the pending run of (`new.workflow`, `key`), or create it.

    `new.ready_at` is the end of the quiet period. Returns (record, created): created is
    False when the start folded into an earlier one (whose record is returned). With
    `max_depth` (the queue's), a start that would create a run in a queue already holding
    that many pending workflows raises QueueFull and writes nothing; a fold adds no run and
    is always accepted.
    """
    c = store.connector
    q = queries.load(c.dialect, search_store.FEATURE)
    create = queries.load(c.dialect, "workflows")["create_workflow"]
    searches = store.feature(search_store.SearchStore)
    hold = {"workflow": new.workflow, "key": key, "id": new.id, "now": now}
    with c.transaction() as run:
        target = str(run(q["debounce_hold"], hold).rows[0]["workflow_id"])
        if target != new.id:
            fold = {"target": target, "input": new.input, "ready_at": new.ready_at, "now": now}
            if max_wait is None:
                folded = run(q["debounce_fold"], fold).rows
            else:
                folded = run(q["debounce_fold_capped"], {**fold, "max_wait": max_wait}).rows
            if folded:
                searches.write(run, target, attrs)
                return base.WorkflowRecord.from_row(folded[0]), False
            run(q["debounce_point"], hold)
        if max_depth is not None:
            bounded = queries.load(c.dialect, queue_store.FEATURE)
            run(bounded["lock"], {"name": new.queue})
            params = {**base.shallow(new), "now": now, "max_depth": max_depth}
            if not run(bounded["create_bounded"], params).rows:
                raise errors.QueueFull(new.queue, max_depth)  # rolls the hold back too
        elif run(create, new.row(now)).rowcount != 1:
            raise errors.PodiumError(f"debounced workflow {new.id!r} could not be created")
        searches.write(run, new.id, attrs)
    return new.record(now), True
