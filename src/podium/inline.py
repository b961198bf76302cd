"""Running a workflow in the calling thread, as `app.run` does, until it ends.

The caller claims the workflow whenever it is ready, runs it here (and its ready children,
so a fan-out finishes without a worker), and between runs waits for its wake time or for
another process to finish it.
"""

from __future__ import annotations

import threading
from typing import Any

from podium import clock, errors
from podium import workflow as workflow_mod
from podium.engine import runtime, worker
from podium.store import base, children
from podium.types import TERMINAL_STATUSES

DRIVE_BATCH = 64
"""Ready descendants looked up at a time while driving a workflow's children here."""

NEVER_RELEASED = threading.Event()
"""The `releasing` signal of runs in the caller's thread: nothing hands them back (never set).

One shared Event instead of a new one per run: an Event costs a Condition and two locks.
"""


def drive(rt: runtime.Runtime, workflow_id: str, owner: str) -> Any:
    """Run `workflow_id` here whenever it is ready; return its result (or raise its error)."""
    while True:
        event = rt.notifier.watch(workflow_id)
        try:
            record = _run_if_ready(rt, workflow_id, owner)
            if record.status in TERMINAL_STATUSES:
                return workflow_mod.outcome(record)
            if drive_children(rt, workflow_id, owner):
                continue  # its children ran here; it may be ready now
            due = record.claimable_at
            now = rt.clock.time()
            if due is not None and due <= now:
                continue
            if record.status == "running" and record.lease_owner != owner:
                due = None  # another live run has it: wait for it, never skip past its lease
            clock.wait(
                rt.clock, event, None if due is None else due - now, rt.settings.poll_interval
            )
        finally:
            rt.notifier.unwatch(workflow_id, event)


def drive_children(rt: runtime.Runtime, workflow_id: str, owner: str) -> bool:
    """Run the ready descendants of `workflow_id` in this thread; whether any ran."""
    store = children.Children(rt.store.connector)
    ran = False
    while True:
        progress = False
        for child_id in store.ready_descendants(workflow_id, rt.clock.time(), DRIVE_BATCH):
            claim = rt.store.claim_one(
                child_id, owner, rt.clock.time(), rt.settings.lease_seconds, rt.workflow_names()
            )
            if claim is not None:
                worker.execute(rt, claim, NEVER_RELEASED)
                ran = progress = True
        if not progress:
            return ran


def _run_if_ready(rt: runtime.Runtime, workflow_id: str, owner: str) -> base.WorkflowRecord:
    """Run the workflow here if it is ready; return its record afterwards.

    The record is read first and the claim (a write) tried only when it could succeed:
    most calls find the workflow finished or waiting, and a write per look would cost a
    commit each time.
    """
    record = _read(rt, workflow_id)
    if record.status in TERMINAL_STATUSES or not _ready(rt, record):
        return record
    claim = rt.store.claim_one(
        workflow_id, owner, rt.clock.time(), rt.settings.lease_seconds, rt.workflow_names()
    )
    if claim is None:
        return record
    worker.execute(rt, claim, NEVER_RELEASED)
    return _read(rt, workflow_id)


def _ready(rt: runtime.Runtime, record: base.WorkflowRecord) -> bool:
    """Whether `claim_one` could take the workflow now (its own condition, checked early)."""
    due = record.claimable_at
    return due is not None and due <= rt.clock.time()


def _read(rt: runtime.Runtime, workflow_id: str) -> base.WorkflowRecord:
    record = rt.store.get_workflow(workflow_id)
    if record is None:
        raise errors.WorkflowNotFound(workflow_id)
    return record
