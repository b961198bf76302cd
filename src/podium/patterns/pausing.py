"""Pausing one workflow (`handle.pause()`/`unpause()`) and a whole queue (`app.pause_queue`).

- A paused workflow is not claimed (every claim query filters on `paused_at IS NULL`). A run
  in progress when it is paused finishes the step in flight (recorded as usual) and, before
  its next step, suspends: the `Gate` step gate reads the flag before each step attempt
  and raises `Suspend`, so nothing new starts. While no workflow of the store is paused the
  gate reads nothing per step (it asks "is any paused?" once a second); a pause made in
  another process therefore stops the run within about a second, one made here at once.
  Unpausing makes it ready at once. A paused
  workflow can still be queried, cancelled, and sent messages or updates (applied after it
  is unpaused). The flag lives in the store, so a worker restart changes nothing.
- A paused queue is not claimed from by any worker (each drops it from the queues it claims,
  within the store's one-second queue cache; at once in the pausing process). Runs in
  progress go on; `start` still accepts work into the queue.
"""

from __future__ import annotations

import logging
import time

from podium import arguments, errors
from podium.engine.runtime import Runtime
from podium.store import base, operate
from podium.store import queues as queue_store
from podium.types import TERMINAL_STATUSES

log = logging.getLogger(__name__)


def _record(rt: Runtime, workflow_id: str) -> base.WorkflowRecord:
    return _stored(rt.store, workflow_id)


def pause(rt: Runtime, workflow_id: str) -> bool:
    """Pause an unfinished workflow; False when it was paused already.

    Raises WorkflowNotFound, or WorkflowEnded for a finished one (nothing written).
    """
    return pause_in_store(rt.store, workflow_id, rt.clock.time())


def pause_in_store(store: base.Store, workflow_id: str, now: float) -> bool:
    """`pause` on a bare store (the CLI and the bulk verbs, which have no runtime)."""
    record = _stored(store, workflow_id)
    if record.status in TERMINAL_STATUSES:
        raise errors.WorkflowEnded(workflow_id, record.status, "pause")
    changed = operate.for_store(store).pause(workflow_id, now)
    if not changed:
        record = _stored(store, workflow_id)  # it may have ended in between
        if record.status in TERMINAL_STATUSES:
            raise errors.WorkflowEnded(workflow_id, record.status, "pause")
    return changed


def _stored(store: base.Store, workflow_id: str) -> base.WorkflowRecord:
    record = store.get_workflow(workflow_id)
    if record is None:
        raise errors.WorkflowNotFound(workflow_id)
    return record


def unpause(rt: Runtime, workflow_id: str) -> bool:
    """Let a paused workflow run again (at once); False when it was not paused."""
    _record(rt, workflow_id)
    changed = operate.for_store(rt.store).unpause(workflow_id, rt.clock.time())
    if changed:
        rt.notifier.work_available()
    return changed


def pause_queue(rt: Runtime, name: str) -> None:
    """Stop every worker claiming from queue `name` until `resume_queue`."""
    queue = arguments.check_name(name, "queue")
    queue_store.set_paused(rt.store.connector, queue, True, rt.clock.time())


def resume_queue(rt: Runtime, name: str) -> None:
    """Claim from queue `name` again."""
    queue = arguments.check_name(name, "queue")
    queue_store.set_paused(rt.store.connector, queue, False, rt.clock.time())
    rt.notifier.work_available()


def paused_queues(rt: Runtime) -> list[str]:
    """The names of the paused queues, read from the store now."""
    return sorted(queue_store.paused(rt.store.connector, fresh=True))


class Gate:
    """Step gate: a workflow paused while it runs suspends before its next step."""

    def __init__(self, rt: Runtime) -> None:
        self._store = operate.for_store(rt.store)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Gate) and other._store is self._store

    def __hash__(self) -> int:
        return id(self._store)

    def __call__(self, workflow_id: str) -> None:
        """Refuse (suspend) the attempt of a paused workflow before it starts.

        A store fault while asking is not the step's failure: the step goes ahead and the
        next step asks again (a pause is then honoured one step later).
        """
        store = self._store
        if time.monotonic() < store.quiet_until:  # `may_be_paused()` is False, without a call
            return
        try:
            paused = store.may_be_paused() and store.is_paused(workflow_id)
        except Exception:
            log.debug("could not read the pause flag of %s; asking again next step", workflow_id)
            return
        if paused:
            raise errors.Suspend(None)
