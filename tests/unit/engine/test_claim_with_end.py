"""A worker's next claim made with a run's end (`base.ClaimNext`) is run, or handed back.

`Worker._execute_sync` returns what the store claimed with the end; the runner thread goes on
with it instead of claiming again, and a worker that is stopping releases it at once rather
than holding a workflow it will not run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import podium
from podium.engine.worker import Worker
from podium.store import base

T = 1000.0


def _claimed(app: podium.App, workflow_id: str, owner: str) -> base.Claim:
    app.store.create_workflow(base.NewWorkflow(id=workflow_id, workflow="wf", input="[]"), T)
    claim = app.store.claim_one(workflow_id, owner, T, 30.0)
    assert claim is not None
    return claim


@pytest.fixture
def app(tmp_path: Path) -> Iterator[podium.App]:
    opened = podium.App("claims", database_url=f"sqlite:///{tmp_path / 'w.db'}")
    yield opened
    opened.close()


def _two_claimed(app: podium.App) -> tuple[Worker, base.Claim, base.Claim]:
    """A worker (not started) and two workflows it has claimed, "a" and "b"."""
    worker = app.worker(concurrency=1)
    return worker, _claimed(app, "a", worker.owner), _claimed(app, "b", worker.owner)


def test_a_stopping_worker_hands_back_what_a_runs_end_claimed(app: podium.App) -> None:
    worker, first, made = _two_claimed(app)
    ran: list[str] = []

    def execute(claim: base.Claim) -> list[base.Claim]:
        ran.append(claim.record.id)
        worker._stopping.set()  # stop() while the run ended
        return [made]

    worker._execute_sync = execute  # type: ignore[method-assign]
    worker._run_sync(first)
    assert ran == ["a"]
    record = app.store.get_workflow("b")
    assert record is not None and (record.status, record.lease_owner) == ("pending", None)


def test_a_worker_runs_what_a_runs_end_claimed_without_claiming_again(app: podium.App) -> None:
    worker, first, made = _two_claimed(app)
    ran: list[str] = []

    def execute(claim: base.Claim) -> list[base.Claim]:
        ran.append(claim.record.id)
        return [made] if claim is first else []

    def claim(limit: int) -> list[base.Claim]:
        raise AssertionError("claimed although the end had claimed")

    worker._execute_sync = execute  # type: ignore[method-assign]
    worker._claim = claim  # type: ignore[method-assign]
    worker._run_sync(first)
    assert ran == ["a", "b"]
