"""Changing workflow code while workflows run: patches, continue-as-new and forks.

- `patched(id)` lets new code take a new branch while runs that passed that point under the
  old code replay their old branch. Run fresh, it records a `patch` marker at its position
  and returns True; replaying, it returns True only if that marker is at this position (and
  takes it), else False without taking a position, so the old history matches the old branch.
- `deprecate_patch(id)` is the next step once no run of the old code is left: it takes the
  marker if the history has one here and records nothing otherwise, so both histories made
  with `patched(id)` and histories made after it replay.
- `continue_as_new(*args)` ends this run and starts the workflow again under the same id with
  a fresh history (the old one is archived; see `podium.store.versions`).
- `fork` copies a finished workflow's history before a position into a new workflow, which
  replays that part and runs the rest with today's code (DBOS's fork).

See docs/versioning.md for the upgrade story.
"""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from podium import arguments, context, errors, serialization
from podium.engine.runtime import Runtime
from podium.store import base
from podium.store import versions as vs

PATCH = "patch"
"""History kind of a patch marker (its name is the patch id)."""
CONTINUE = "continue_as_new"
"""History kind (and name) of a continue-as-new; archived as the last event of a run."""
FINISHED = ("completed", "failed", "cancelled")


def patched(patch_id: str) -> bool:
    """Whether this run takes the new branch of the code change named `patch_id`.

    True in a run that reaches this point for the first time (a marker is recorded), and
    when a replayed history holds the marker here; False when replaying a history that
    passed this point under the old code. Inside a run, a second call with the same id
    after the marker returns True without recording another.
    """
    run = context.current("patched")
    name = _check_id(patch_id, "patched")
    recorded = run.upcoming()
    if recorded is None:
        if run.recorded(PATCH, name):
            return True  # this run already took the marker earlier
        run.commit(run.take(PATCH, name), None)
        return True
    if recorded.kind == PATCH and recorded.name == name:
        run.take(PATCH, name)
        return True
    return bool(run.recorded(PATCH, name))


def deprecate_patch(patch_id: str) -> None:
    """Keep replaying histories recorded with `patched(patch_id)` once the old branch is gone.

    Takes the marker if the history holds it here; records nothing otherwise. Remove the call
    once no workflow whose history holds the marker is left.
    """
    run = context.current("deprecate_patch")
    name = _check_id(patch_id, "deprecate_patch")
    recorded = run.upcoming()
    if recorded is not None and recorded.kind == PATCH and recorded.name == name:
        run.take(PATCH, name)


def continue_as_new(*args: Any, **kwargs: Any) -> NoReturn:
    """End this run and start the workflow again with these arguments and a fresh history.

    The workflow keeps its id (handles and `result()` keep working); the history of the run
    that ends is archived (`archived_history`). Messages already sent to it stay in its
    inbox. Use it in workflows that loop for ever so no history grows without bound.
    """
    run = context.current("continue_as_new")
    wf = run.workflow
    rt = run.runtime
    data = serialization.dumps_call(
        args,
        kwargs,
        owner=f"podium.continue_as_new() of workflow {wf.workflow!r}",
        limit=rt.settings.max_payload_bytes,
    )
    position = run.take(CONTINUE, CONTINUE)
    if position.recorded is None:  # recorded: a crash after it; the transaction cleared it
        store = vs.for_store(rt.store)

        def write(fence: Any, row: Any) -> None:
            store.continue_as_new(fence, row, data, rt.clock.time())

        run.commit(position, data, via=write)
    raise errors.Release()  # the workflow is handed back; its next claim starts afresh


def generations(rt: Runtime, workflow_id: str) -> int:
    """How many runs of `workflow_id` ended with continue-as-new."""
    return vs.for_store(rt.store).generations(workflow_id)


def archived_history(rt: Runtime, workflow_id: str, generation: int) -> list[Any]:
    """The history of the run `generation` (1 = the first) of a continued workflow."""
    arguments.check_int(generation, "generation", minimum=1)
    return list(vs.for_store(rt.store).archived_history(workflow_id, generation))


def fork(rt: Runtime, workflow_id: str, *, from_step: int, id: str | None = None) -> str:
    """`fork_in_store` on this engine's store, then wake its workers; returns the new id."""
    new_id = fork_in_store(rt.store, workflow_id, from_step=from_step, id=id, now=rt.clock.time())
    rt.notifier.work_available()
    return new_id


def fork_in_store(
    store: base.Store, workflow_id: str, *, from_step: int, id: str | None, now: float
) -> str:
    """Copy finished workflow `workflow_id` into a new one that re-runs from position `from_step`.

    History positions before `from_step` are copied (and replayed by the new workflow); the
    rest runs with the code deployed now. Returns the new id (`id`, or a fresh one). Writes
    nothing and raises a PodiumError naming the fix when the workflow is unknown or still
    running, `from_step` is outside its history, or `id` is taken.
    """
    if isinstance(from_step, bool) or not isinstance(from_step, int) or from_step < 0:
        raise errors.ConfigurationError(
            f"fork of workflow {workflow_id!r}: from_step={from_step!r} must be a history "
            "position (a whole number >= 0; `podium show` lists them)"
        )
    new_id = (
        arguments.check_id(id) if id is not None else f"{workflow_id}-fork-{uuid.uuid4().hex[:8]}"
    )
    source = store.get_workflow(workflow_id)
    if source is None:
        raise errors.WorkflowNotFound(workflow_id)
    if source.status not in FINISHED:
        raise errors.ConfigurationError(
            f"workflow {workflow_id!r} is {source.status}; only a finished (completed, failed "
            "or cancelled) workflow can be forked: wait for it or cancel it first"
        )
    versions = vs.for_store(store)
    length = versions.history_length(workflow_id)
    if from_step > length:
        raise errors.ConfigurationError(
            f"workflow {workflow_id!r} has {length} history positions; pass from_step "
            f"between 0 and {length} (`podium show {workflow_id}` lists them)"
        )
    if not versions.fork(workflow_id, new_id, from_step, now):
        raise errors.ConfigurationError(
            f"cannot fork workflow {workflow_id!r} into id {new_id!r}: that id is taken; "
            "pass another id= or leave it out for a fresh one"
        )
    return new_id


def _check_id(patch_id: Any, helper: str) -> str:
    if not isinstance(patch_id, str) or not patch_id.strip():
        raise errors.ConfigurationError(
            f"podium.{helper}({patch_id!r}): pass the patch id, a non-empty string such as "
            "'new-tax-rule'"
        )
    return patch_id
