"""Replay a recorded history against today's workflow code: the safety net for deploys.

The recorded workflow is loaded into a TestEnv's fresh store and run once more by the
engine, with every step and recorded value replayed from the history and nothing new
executed: the run stops at the first position the history does not have. A call that
differs from the recorded one at some position raises `NonDeterminismError` naming the
workflow, the position, what was recorded and what was called. Temporal's Replayer is the
model.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from podium import app as app_mod
from podium import errors
from podium.engine import history as history_mod
from podium.engine import worker
from podium.store import base
from podium.testing import env as env_mod
from podium.testing.history import History, load

Source = History | Mapping[str, Any] | str | os.PathLike[str]


def replay(app: app_mod.App, history: Source) -> None:
    """Replay `history` (a History, parsed JSON or a path) against `app`'s code today.

    Returns when the code makes the recorded calls in the recorded order; raises
    NonDeterminismError when it diverges (a step renamed, added or removed before the end
    of the history, a different branch taken, an outcome the recording did not have).
    """
    recorded = load(history)
    # The clock stands after everything recorded, so every recorded timer has fired.
    moments = [recorded.workflow.updated_at]
    moments += [e.finished_at for e in recorded.events if e.finished_at is not None]
    with env_mod.TestEnv(app, start=max(moments) + 1.0) as env:
        rt = env.runtime
        claim = _load(rt.store, recorded, env)
        stop = threading.Event()
        stop.set()  # a new position releases the run instead of running anything
        run = worker.execute(rt, claim, stop)
        if run is None:
            raise errors.ConfigurationError(
                f"workflow {recorded.workflow.workflow!r} is not registered in app {app.name!r}"
            )
        if run.cursor.diverged is not None:
            raise run.cursor.diverged
        if run.outcome == "failed":
            _check_failure(rt.store, recorded, run.cursor)


def _load(store: base.Store, recorded: History, env: env_mod.TestEnv) -> base.Claim:
    """Store the recorded workflow and its history; claim it for its replay run."""
    wf = recorded.workflow
    rt = env.runtime
    now = env.now()
    store.create_workflow(
        base.NewWorkflow(
            id=wf.id,
            workflow=wf.workflow,
            input=wf.input or "[[], {}]",
            queue=wf.queue,
            priority=wf.priority,
            key=wf.key,
            ready_at=now,
        ),
        now,
    )
    owner = rt.new_owner("replay")
    names = rt.workflow_names()
    first = store.claim_one(wf.id, owner, now, rt.settings.lease_seconds, names)
    assert first is not None
    for event in recorded.events:
        store.append_history(first.fence, event)
    for attempt in recorded.attempts:
        store.record_attempt(first.fence, attempt)
    store.release(first.fence, now)
    claim = store.claim_one(wf.id, owner, now, rt.settings.lease_seconds, names)
    assert claim is not None  # its second run: it replays the history just stored
    return claim


def _check_failure(store: base.Store, recorded: History, cursor: history_mod.Cursor) -> None:
    """A replay that failed: a divergence, unless the recording failed the same way."""
    record = store.get_workflow(recorded.workflow.id)
    assert record is not None
    if record.error_type == "NonDeterminismError":
        cursor.check_fully_replayed()  # raises the divergence at its position
    wf = recorded.workflow
    if wf.status == "failed" and wf.error_type == record.error_type:
        return
    was = f"failed with {wf.error_type}" if wf.status == "failed" else f"{wf.status}"
    raise errors.NonDeterminismError(
        wf.id,
        wf.workflow,
        cursor.position,
        f"a workflow that went on ({was})",
        f"code that raised {record.error_type}: {record.error_message}",
    )


def histories(folder: str | os.PathLike[str]) -> list[Path]:
    """Every `*.json` history in `folder`, sorted: for `pytest.mark.parametrize`."""
    return sorted(Path(folder).glob("*.json"))


def replay_folder(app: app_mod.App, folder: str | os.PathLike[str]) -> list[Path]:
    """Replay every history in `folder` against `app`; return them. Raises on the first bad one.

    ```python
    def test_deployed_histories_still_replay():
        podium.testing.replay_folder(app, "tests/histories")
    ```
    """
    found = histories(folder)
    if not found:
        raise errors.ConfigurationError(
            f"no *.json histories in {os.fspath(folder)!r}; write some with "
            "'podium export ID > FOLDER/NAME.json'"
        )
    for path in found:
        replay(app, path)
    return found
