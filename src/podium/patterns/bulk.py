"""Bulk verbs over `App.list()`'s filters: cancel, resume, pause or unpause every match.

Each matching workflow goes through the same store verb as its single-workflow form
(`children.cancel`, `store.resume`, `pausing.pause_in_store`, `unpause`), a page at a
time, so a bulk cancel also cancels children and wakes parents; the count is of the
workflows this call changed. At least one filter is required, so a bare `cancel_many()`
cannot cancel everything by accident.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from podium import errors
from podium.patterns import pausing
from podium.store import base, children, operate
from podium.store import search as search_store
from podium.types import STATUSES

CANCELLABLE = ("pending", "running", "waiting")
RESUMABLE = ("failed", "cancelled")
PAUSABLE = CANCELLABLE
PAGE = 500


class FilterArgs(TypedDict, total=False):
    """The keyword arguments of the bulk verbs (`app.cancel_many(...)`): `list()`'s filters."""

    status: str | None
    workflow: str | None
    queue: str | None
    search: Mapping[str, Any] | None


@dataclasses.dataclass(frozen=True)
class Filters:
    """`list()`'s filters as the bulk verbs take them."""

    status: str | None = None
    workflow: str | None = None
    queue: str | None = None
    search: Mapping[str, Any] | None = None

    def given(self) -> dict[str, Any]:
        """The filters that were given (for messages and the audit log)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


def check_status(status: str | None) -> None:
    """A ConfigurationError unless `status` is None or a workflow status."""
    if status is not None and status not in STATUSES:
        raise errors.ConfigurationError(f"status={status!r} is not one of {', '.join(STATUSES)}")


def _statuses(verb: str, filters: Filters, allowed: tuple[str, ...]) -> tuple[str, ...]:
    check_status(filters.status)
    if not filters.given():
        raise errors.ConfigurationError(
            f"{verb} needs at least one filter (status=, workflow=, queue= or search=); "
            f"to {verb.split('_')[0]} every workflow say so with status="
        )
    if filters.status is None:
        return allowed
    if filters.status not in allowed:
        raise errors.ConfigurationError(
            f"{verb}(status={filters.status!r}) matches nothing it can change: only "
            f"{' or '.join(allowed)} workflows; pass one of those"
        )
    return (filters.status,)


def _matching(store: base.Store, statuses: tuple[str, ...], filters: Filters) -> list[str] | None:
    """Ids of one page of matching workflows; None when a search key was never written."""
    searches = search_store.for_store(store)
    search = None
    if filters.search:
        search = searches.check_filter(filters.search)
        if search is None:
            return None
    records = searches.select(
        statuses=statuses,
        workflow=filters.workflow,
        queue=filters.queue,
        search=search,
        limit=PAGE,
    )
    return [r.id for r in records]


Ids = list[str]
"""The ids of the workflows a bulk verb changed."""

Verb = Callable[[base.Store, "Filters", float], Ids]
"""A bulk verb: (store, filters, now) -> the ids of the workflows it changed."""


def cancel_many(store: base.Store, filters: Filters, now: float) -> list[str]:
    """Cancel every unfinished workflow matching `filters`; the ids it cancelled.

    The caller tells the workers (`notifier.run_ended`) when it has a runtime.
    """
    statuses = _statuses("cancel_many", filters, CANCELLABLE)
    return _each(store, statuses, filters, lambda wid: _cancel(store, wid, now))


def resume_many(store: base.Store, filters: Filters, now: float) -> list[str]:
    """Resume every failed or cancelled workflow matching `filters`; the ids it resumed."""
    statuses = _statuses("resume_many", filters, RESUMABLE)
    return _each(store, statuses, filters, lambda wid: _resume(store, wid, now))


def pause_many(store: base.Store, filters: Filters, now: float) -> list[str]:
    """Pause every unfinished, unpaused workflow matching `filters`; the ids it paused."""
    statuses = _statuses("pause_many", filters, PAUSABLE)
    return _each(store, statuses, filters, lambda wid: _pause(store, wid, now))


def unpause_many(store: base.Store, filters: Filters, now: float) -> list[str]:
    """Unpause every paused workflow matching `filters`; the ids it unpaused.

    The caller tells the workers (`notifier.work_available`) when it has a runtime.
    """
    statuses = _statuses("unpause_many", filters, PAUSABLE)
    ops = operate.for_store(store)
    return _each(store, statuses, filters, lambda wid: ops.unpause(wid, now))


def _each(
    store: base.Store,
    statuses: tuple[str, ...],
    filters: Filters,
    change: Callable[[str], bool],
) -> list[str]:
    seen: set[str] = set()
    changed: list[str] = []
    while True:
        ids = _matching(store, statuses, filters)
        fresh = [i for i in ids or () if i not in seen]
        if not fresh:
            return changed
        for workflow_id in fresh:
            seen.add(workflow_id)
            if change(workflow_id):
                changed.append(workflow_id)


def _cancel(store: base.Store, workflow_id: str, now: float) -> bool:
    before = store.get_workflow(workflow_id)
    if before is None or before.status not in CANCELLABLE:
        return False
    record = children.cancel(store, workflow_id, now)
    return record is not None and record.status == "cancelled"


def _resume(store: base.Store, workflow_id: str, now: float) -> bool:
    before = store.get_workflow(workflow_id)
    if before is None or before.status not in RESUMABLE:
        return False
    record = store.resume(workflow_id, now)
    return record is not None and record.status == "pending"


def _pause(store: base.Store, workflow_id: str, now: float) -> bool:
    try:
        return pausing.pause_in_store(store, workflow_id, now)
    except (errors.WorkflowEnded, errors.WorkflowNotFound):
        return False  # it ended (or was deleted) since the page was read
