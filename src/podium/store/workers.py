"""Why a ready workflow is not running: the note listings show when no live worker serves it.

Read by the API, the dashboard and `podium ls`/`show` from the registrations workers write
(`Store.beat_worker`, `Store.live_workers`).
"""

from __future__ import annotations

from collections.abc import Sequence

from podium.store import base


def worker_note(
    record: base.WorkflowRecord, workers: Sequence[base.WorkerInfo], now: float
) -> str | None:
    """Why a ready workflow is not running: no live worker knows it; None when one does.

    Only a pending or waiting workflow that is due is waiting for a worker; one whose time
    has not come, or that is running or finished, gets None.
    """
    return unserved(record.status, record.ready_at, record.queue, record.workflow, workers, now)


def unserved(
    status: str,
    ready_at: float | None,
    queue: str,
    workflow: str,
    workers: Sequence[base.WorkerInfo],
    now: float,
) -> str | None:
    """`worker_note` from a workflow's fields (for listings that hold rows, not records)."""
    if status not in ("pending", "waiting") or ready_at is None or ready_at > now:
        return None
    if any(w.serves(queue, workflow) for w in workers):
        return None
    if any(workflow in w.workflows for w in workers):
        return (
            f"waiting for a worker: no live worker serves queue {queue!r} for workflow "
            f"{workflow!r}; start one with that queue (queues=[...] or --queues)"
        )
    return (
        f"waiting for a worker: no live worker knows workflow {workflow!r}; start a "
        "worker of the app that registers it (podium worker MODULE:APP)"
    )
