"""Inspecting and steering stored workflows: get, list, cancel, resume, fork, bulk, retention."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Unpack

from podium import arguments, errors, governance
from podium import workflow as workflow_mod
from podium.application import core
from podium.patterns import bulk
from podium.patterns import retention as retention_mod
from podium.patterns import search as search_mod
from podium.patterns import versions as versions_mod
from podium.store import base, retention
from podium.store import rekey as rekey_store
from podium.types import STATUSES


class OperateVerbs(core.AppCore):
    """Read and steer workflows already in the store, one by one or in bulk."""

    def purge(
        self,
        older_than: float | dt.timedelta | str | None = None,
        status: Sequence[str] | str | None = None,
        *,
        batch: int = 500,
        dry_run: bool = False,
    ) -> retention.PurgeResult:
        """Delete finished workflows created and last changed over `older_than` ago.

        `older_than`: seconds, a timedelta or text such as "30d". Only completed, failed and
        cancelled workflows (or `status=`), with their history, attempts and children; never
        a running, waiting or pending one; in batches; audited. `dry_run=True` only counts.
        See podium.store.retention.

        Without `older_than`: each registered workflow's runs older than its own
        `@app.workflow(retention=...)`, what every worker does on its own every few minutes
        (see podium.patterns.retention); workflows without `retention=` are kept.
        """
        now = self.runtime.clock.time()
        if older_than is None:
            kept = retention_mod.policies(self.runtime)
            return retention_mod.sweep(
                self.store, now, kept, status, batch=batch, dry_run=dry_run, actor="app"
            )
        return governance.purge(self.store, now, older_than, status, batch=batch, dry_run=dry_run)

    def rekey(self, *, batch: int = 500) -> rekey_store.RekeyResult:
        """Re-encode stored payloads under `codecs=` as configured now (after a key rotation).

        Batch-wise, safe while workers run, resumable (run it again), audited; see
        podium.store.rekey.
        """
        return governance.rekey(self.store, self.codecs, batch=batch)

    def get(self, workflow_id: str) -> workflow_mod.WorkflowHandle:
        """The handle of an existing workflow; WorkflowNotFound if there is none."""
        if self.runtime.store.get_workflow(workflow_id) is None:
            raise errors.WorkflowNotFound(workflow_id)
        return workflow_mod.WorkflowHandle(self.runtime, workflow_id)

    def list(
        self,
        status: str | None = None,
        workflow: str | None = None,
        limit: int = 50,
        *,
        queue: str | None = None,
        offset: int = 0,
        search: dict[str, Any] | None = None,
    ) -> list[base.WorkflowInfo]:
        """Workflows matching the filters, newest first (`search=`: each attribute equal)."""
        if status is not None and status not in STATUSES:
            raise errors.ConfigurationError(
                f"status={status!r} is not one of {', '.join(STATUSES)}"
            )
        arguments.check_int(limit, "limit", minimum=1)
        arguments.check_int(offset, "offset", minimum=0)
        if search is not None:
            return search_mod.listing(
                self.runtime.store, search, status, workflow, queue, limit, offset
            )
        records = self.runtime.store.list_workflows(
            status=status, workflow=workflow, queue=queue, limit=limit, offset=offset
        )
        return [r.info() for r in records]

    def cancel(self, workflow_id: str) -> None:
        """Cancel an unfinished workflow."""
        self.get(workflow_id).cancel()

    def search_attributes(self, workflow_id: str) -> dict[str, Any]:
        """The search attributes of a workflow ({} when it has none)."""
        return search_mod.attributes(self.runtime.store, workflow_id)

    def cancel_many(self, **filters: Unpack[bulk.FilterArgs]) -> int:
        """Cancel every unfinished workflow matching `list()`'s filters; return how many."""
        cancelled = self._many(bulk.cancel_many, bulk.Filters(**filters))
        for workflow_id in cancelled:
            self.runtime.notifier.run_ended(workflow_id)
        return len(cancelled)

    def resume_many(self, **filters: Unpack[bulk.FilterArgs]) -> int:
        """Resume every failed or cancelled workflow matching the filters; return how many."""
        return self._ready(self._many(bulk.resume_many, bulk.Filters(**filters)))

    def pause_many(self, **filters: Unpack[bulk.FilterArgs]) -> int:
        """Pause every unfinished workflow matching the filters; return how many it paused."""
        return len(self._many(bulk.pause_many, bulk.Filters(**filters)))

    def unpause_many(self, **filters: Unpack[bulk.FilterArgs]) -> int:
        """Unpause every paused workflow matching the filters; return how many."""
        return self._ready(self._many(bulk.unpause_many, bulk.Filters(**filters)))

    def _many(self, verb: bulk.Verb, filters: bulk.Filters) -> bulk.Ids:
        """Apply the bulk `verb` to the workflows `filters` select; the ids it changed."""
        return verb(self.runtime.store, filters, self.runtime.clock.time())

    def _ready(self, ids: bulk.Ids) -> int:
        """Tell this process's workers that `ids` may run now; how many there are."""
        if ids:
            self.runtime.notifier.work_available()
        return len(ids)

    def resume(self, workflow_id: str) -> workflow_mod.WorkflowHandle:
        """Re-run a failed or cancelled workflow from its first unfinished step."""
        rt = self.runtime
        record = rt.store.get_workflow(workflow_id)
        if record is None:
            raise errors.WorkflowNotFound(workflow_id)
        if record.status not in ("failed", "cancelled"):
            raise errors.ConfigurationError(
                f"workflow {workflow_id!r} is {record.status}; only failed or cancelled "
                "workflows can be resumed"
            )
        rt.store.resume(workflow_id, rt.clock.time())
        rt.notifier.work_available()
        return workflow_mod.WorkflowHandle(rt, workflow_id)

    def fork(
        self, workflow_id: str, *, from_step: int, id: str | None = None
    ) -> workflow_mod.WorkflowHandle:
        """Copy a finished workflow's history before position `from_step` into a new workflow.

        The copy replays those positions and runs the rest with today's code (see
        `podium.patterns.versions.fork`); returns the new workflow's handle.
        """
        new_id = versions_mod.fork(self.runtime, workflow_id, from_step=from_step, id=id)
        return workflow_mod.WorkflowHandle(self.runtime, new_id)
