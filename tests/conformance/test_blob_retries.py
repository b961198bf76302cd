"""Blob deletes that fail are recorded and retried by later purges and sweeps (store/blobgc)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import podium
from podium.patterns import retention as retention_mod
from podium.store import blobgc, blobs, retention

from .conftest import AppFactory
from .test_claim_checks import BIG, _blob_keys, _refs, define


class Outage(blobs.FileBlobStore):
    """A file blob store whose deletes raise while `down` (an S3 outage, a read-only mount)."""

    def __init__(self, root: str) -> None:
        super().__init__(root, grace=0)
        self.down = True
        self.calls = 0

    def delete(self, key: str) -> bool:
        """`FileBlobStore.delete`, or PermissionError while the store is down."""
        self.calls += 1
        if self.down:
            raise PermissionError(f"[Errno 13] Permission denied: {key}")
        return super().delete(key)


def _pending(app: podium.App) -> list[dict[str, Any]]:
    return app.store.connector.query(
        "SELECT blob_key, attempts, reason FROM podium_blob_deletes ORDER BY blob_key", {}
    )


def _collector(app: podium.App) -> blobgc.Collector:
    found = blobgc.blob_store_of(app.store)
    assert found is not None
    return blobgc.Collector(app.store.connector, found)


def test_a_failed_delete_is_recorded_and_retried_by_the_next_purge(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    root = tmp_path / "blobs"
    outage = Outage(str(root))
    app = app_factory(blob_store=outage, blob_threshold=1000)
    app.run(define(app), BIG, id="big-1")
    held = _refs(app, "big-1")
    assert held and _blob_keys(root) == held

    assert app.purge(older_than=0).workflows == 1
    assert app.store.get_workflow("big-1") is None  # the purge is done and stays done
    assert _blob_keys(root) == held  # not deleted, but not forgotten either
    pending = _pending(app)
    assert {r["blob_key"] for r in pending} == held
    assert all(r["attempts"] == 1 and "Permission denied" in r["reason"] for r in pending)

    assert app.purge(older_than=0).workflows == 0  # still down: retried, counted, kept
    assert {r["attempts"] for r in _pending(app)} == {2} and _blob_keys(root) == held
    assert app.purge(older_than=0, dry_run=True).workflows == 0  # a dry run deletes nothing
    assert {r["attempts"] for r in _pending(app)} == {2}

    outage.down = False
    assert app.purge(older_than=3600).workflows == 0  # nothing old enough: still retries
    assert _blob_keys(root) == set() and _pending(app) == []
    assert _collector(app).pending() == 0


def test_a_retry_never_deletes_a_blob_held_again(app_factory: AppFactory, tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    outage = Outage(str(root))
    app = app_factory(blob_store=outage, blob_threshold=1000)
    bulky = define(app)
    app.run(bulky, BIG, id="big-1")
    assert app.purge(older_than=0).workflows == 1
    first = {r["blob_key"] for r in _pending(app)}
    assert first and _blob_keys(root) == first

    app.run(bulky, BIG, id="big-2")  # the same payloads: the same blobs, held again
    assert _refs(app, "big-2") == first
    outage.down = False
    calls = outage.calls
    assert _collector(app).retry() == 0
    assert outage.calls == calls  # never even tried: a row holds each of them
    assert _pending(app) == [] and _blob_keys(root) == first
    assert app.get("big-2").result(timeout=5)["marker"] == BIG["marker"]

    assert app.purge(older_than=0).workflows == 1  # its own purge finds them again
    assert _blob_keys(root) == set() and _pending(app) == []


def test_a_worker_sweep_retries_without_any_retention_policy(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    root = tmp_path / "blobs"
    outage = Outage(str(root))
    app = app_factory(blob_store=outage, blob_threshold=1000)
    app.run(define(app), BIG, id="big-1")
    app.purge(older_than=0)
    assert _pending(app) and _blob_keys(root)
    sweeper = retention_mod.Sweeper(app.runtime)

    sweeper.step()  # still down: kept, counted again
    assert {r["attempts"] for r in _pending(app)} == {2}
    outage.down = False
    sweeper.step()
    assert _pending(app) == [] and _blob_keys(root) == set()


def test_a_collector_retry_without_failures_reads_one_row(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = app_factory(blob_store=Outage(str(tmp_path / "blobs")), blob_threshold=1000)
    assert _collector(app).retry() == 0 and _collector(app).pending() == 0
    walker = retention.Retention(app.store)
    assert walker.retry_blobs() == 0


def test_a_failed_delete_after_recovery_is_not_recorded(
    app_factory: AppFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "blobs"
    outage = Outage(str(root))
    outage.down = False
    app = app_factory(blob_store=outage, blob_threshold=1000)
    app.run(define(app), BIG, id="big-1")
    with caplog.at_level("WARNING", logger="podium.retention"):
        assert app.purge(older_than=0).workflows == 1
    assert _blob_keys(root) == set() and _pending(app) == []
    assert "could not delete" not in caplog.text


def test_metrics_show_how_many_deletes_wait(app_factory: AppFactory, tmp_path: Path) -> None:
    from prometheus_client import generate_latest

    from podium.observability import metrics

    outage = Outage(str(tmp_path / "blobs"))
    app = app_factory(blob_store=outage, blob_threshold=1000)
    app.run(define(app), BIG, id="big-1")
    app.purge(older_than=0)
    text = generate_latest(metrics.Metrics(app).registry).decode()
    assert f"podium_blob_deletes_pending {float(len(_pending(app)))}" in text
    assert len(_pending(app)) >= 1
    plain = app_factory(name="plain")
    assert (
        "podium_blob_deletes_pending"
        not in generate_latest(metrics.Metrics(plain).registry).decode()
    )


def test_a_crash_between_the_purge_and_its_deletes_leaks_nothing(
    app_factory: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "blobs"
    outage = Outage(str(root))
    outage.down = False
    app = app_factory(blob_store=outage, blob_threshold=1000)
    app.run(define(app), BIG, id="big-1")
    held = _refs(app, "big-1")

    def crash(self: blobgc.Collector, keys: object) -> int:
        raise SystemExit("the process died after the purge committed")

    with monkeypatch.context() as patched:
        patched.setattr(blobgc.Collector, "release", crash)
        with pytest.raises(SystemExit):
            app.purge(older_than=0)
    assert app.store.get_workflow("big-1") is None and _blob_keys(root) == held
    pending = _pending(app)
    assert {r["blob_key"] for r in pending} == held  # committed with the purge
    assert {r["attempts"] for r in pending} == {0} and outage.calls == 0

    assert app.purge(older_than=3600).workflows == 0  # the next purge (or sweep) finishes
    assert _blob_keys(root) == set() and _pending(app) == []


def test_references_that_cannot_be_read_keep_the_record(
    app_factory: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "blobs"
    outage = Outage(str(root))
    outage.down = False
    app = app_factory(blob_store=outage, blob_threshold=1000)
    app.run(define(app), BIG, id="big-1")

    def unreadable(self: blobgc.Collector, keys: list[str]) -> set[str]:
        raise ConnectionError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(blobgc.Collector, "_still_held", unreadable)
        assert app.purge(older_than=0).workflows == 1
    assert _pending(app) and _blob_keys(root) and outage.calls == 0  # nothing deleted blind
    assert _collector(app).retry() >= 1
    assert _blob_keys(root) == set() and _pending(app) == []


def test_a_blob_kept_for_its_grace_period_is_retried_after_it(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    root = tmp_path / "blobs"
    store = blobs.FileBlobStore(str(root), grace=3600)  # every blob was written "just now"
    app = app_factory(blob_store=store, blob_threshold=1000)
    app.run(define(app), BIG, id="big-1")
    held = _refs(app, "big-1")
    assert app.purge(older_than=0).workflows == 1
    assert _blob_keys(root) == held and {r["blob_key"] for r in _pending(app)} == held
    assert {r["attempts"] for r in _pending(app)} == {0}  # kept, not failed
    store.grace = 0  # the grace period is over
    assert app.purge(older_than=3600).workflows == 0
    assert _blob_keys(root) == set() and _pending(app) == []
