"""Per-workflow `retention=` on both stores: old finished runs of that workflow are purged.

By `app.purge()` (no `older_than`) and by the sweeper every worker runs; running and waiting
runs, other workflows and the audit log are kept.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

import podium
from podium.store import auth
from tests.conformance.conftest import AppFactory, Waiter

SHORT = 0.3
"""Seconds of retention in these tests."""


def _define(app: podium.App) -> tuple[Any, Any, Any]:
    @app.step
    def double(x: int) -> int:
        return x * 2

    @app.workflow(retention=SHORT)
    def brief(x: int) -> int:
        if x < 0:
            raise ValueError("negative")
        return double(x)

    @app.workflow
    def kept(x: int) -> int:
        return double(x)

    @app.workflow(retention=dt.timedelta(seconds=SHORT))
    def waits() -> object:
        return podium.receive("go", timeout=3600)

    return brief, kept, waits


def _ids(app: podium.App) -> list[str]:
    return sorted(i.id for i in app.list(limit=100))


def test_purge_without_an_age_applies_each_workflows_retention(app: podium.App, wait_until: Waiter):
    brief, kept, waits = _define(app)
    with app.worker(concurrency=2):  # stopped before the others run: its sweeper purges too
        app.start(waits, id="w1")
        wait_until(lambda: app.get("w1").status() == "waiting", what="w1 to wait")
    began = time.time()
    assert app.run(brief, 1, id="b1") == 2
    with pytest.raises(podium.WorkflowFailed):  # failed runs go too
        app.run(brief, -1, id="b2")
    assert app.run(kept, 3, id="k1") == 6
    if time.time() - began < SHORT:  # (a loaded machine may have taken longer than that)
        assert app.purge().workflows == 0  # none is older than its retention yet
    time.sleep(max(0.0, began + SHORT + 0.1 - time.time()))

    dry = app.purge(dry_run=True)
    assert (dry.workflows, dry.dry_run) == (2, True)
    assert _ids(app) == ["b1", "b2", "k1", "w1"]
    done = app.purge()
    assert done.workflows == 2
    assert _ids(app) == ["k1", "w1"]  # no retention=, and waiting: kept
    history = app.store.connector.query("SELECT workflow_id FROM podium_history", {})
    assert not {"b1", "b2"} & {r["workflow_id"] for r in history}

    store = auth.AuthStore(app.store)
    entries = [e for e in store.audit_log() if e.action == "workflow.purge"]
    assert [(e.target, e.detail["workflows"]) for e in entries] == [("brief", 2)]
    assert store.verify_audit()[1] is None  # the chain holds; nothing was removed from it


def test_every_worker_sweeps_what_is_past_its_retention(app: podium.App, wait_until: Waiter):
    brief, kept, waits = _define(app)
    with app.worker(concurrency=2):
        for i in range(3):
            app.run(brief, i, id=f"b{i}")
        app.run(kept, 1, id="k1")
        app.start(waits, id="w1")
        wait_until(lambda: _ids(app) == ["k1", "w1"], what="the sweeper to purge b0..b2")
        app.publish("never.matched", {})  # the worker keeps serving while it sweeps
        assert app.run(brief, 9, id="b9") == 18
    assert app.get("w1").status() == "waiting"
    entries = [e for e in auth.AuthStore(app.store).audit_log() if e.action == "workflow.purge"]
    assert entries and all(e.actor.startswith("retention:") for e in entries)
    assert sum(e.detail["workflows"] for e in entries) >= 3


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("7d", 7 * 86400), ("12h", 43200), (dt.timedelta(minutes=5), 300), (90, 90.0)],
)
def test_retention_takes_an_age(app: podium.App, value: Any, seconds: float):
    @app.workflow(retention=value)
    def job() -> None: ...

    assert job.options.retention == seconds


@pytest.mark.parametrize(
    "value", [0, -1, float("nan"), float("inf"), True, "a week", "", "-3d", [7], dt.timedelta(0)]
)
def test_bad_retention_is_refused_naming_it(app_factory: AppFactory, value: Any):
    app = app_factory()
    with pytest.raises(podium.ConfigurationError, match="retention") as caught:

        @app.workflow(retention=value)
        def job() -> None: ...

    assert "7d" in str(caught.value)  # the fix: an example of what is accepted
    assert "job" not in app.registry.workflows
