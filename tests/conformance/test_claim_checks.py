"""Claim checks on both stores: large payloads live in the blob store, rows hold references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import podium
from podium import codecs
from podium.store import blobs, coded

from .conftest import AppFactory

MARKER = "BLOB-MARKER-51c2"
BIG = {"marker": MARKER, "body": "y" * 5000}


def define(app: podium.App) -> Any:
    @app.step
    def grow(doc: dict[str, Any]) -> dict[str, Any]:
        return {**doc, "grown": "z" * 3000}

    @app.workflow
    def bulky(doc: dict[str, Any]) -> dict[str, Any]:
        return grow(doc)

    return bulky


def raw_payloads(app: podium.App, workflow_id: str) -> list[str]:
    store = app.store
    assert isinstance(store, coded.CodedStore)
    found = [store.inner.get_workflow(workflow_id)]
    texts = [t for r in found if r is not None for t in (r.input, r.output) if t]
    texts += [e.payload for e in store.inner.load_history(workflow_id) if e.payload]
    return texts


def blob_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_large_payloads_are_stored_as_references(app_factory: AppFactory, tmp_path: Path):
    root = tmp_path / "blobs"
    app = app_factory(blob_store=f"file://{root}", blob_threshold=1000)
    bulky = define(app)
    out = app.run(bulky, BIG, id="big-1")
    assert out["marker"] == MARKER and len(out["grown"]) == 3000
    texts = raw_payloads(app, "big-1")
    assert texts and all(t.startswith(blobs.PREFIX) for t in texts)
    assert not any(MARKER in t for t in texts)
    assert MARKER.encode() in blob_bytes(root)  # no codecs: the blob holds the JSON
    small = app.run(bulky, {"marker": "s"}, id="small-1")
    assert small["marker"] == "s"
    assert not raw_payloads(app, "small-1")[0].startswith(blobs.PREFIX)  # its small input
    again = app_factory(blob_store=f"file://{root}", blob_threshold=1000)
    assert again.get("big-1").result(timeout=5)["marker"] == MARKER


def test_with_encryption_the_blob_holds_ciphertext(app_factory: AppFactory, tmp_path: Path):
    root = tmp_path / "blobs"
    ring = codecs.KeyRing({"k1": codecs.generate_key()}, current="k1")
    app = app_factory(
        codecs=[codecs.Encryption(ring)], blob_store=f"file://{root}", blob_threshold=1000
    )
    assert app.run(define(app), BIG, id="enc-1")["marker"] == MARKER
    assert all(t.startswith(blobs.PREFIX) for t in raw_payloads(app, "enc-1"))
    assert blob_bytes(root) and MARKER.encode() not in blob_bytes(root)
    assert app.rekey().blobs >= 3  # references are left as they are


def test_a_missing_blob_is_a_clear_error(app_factory: AppFactory, tmp_path: Path):
    root = tmp_path / "blobs"
    app = app_factory(blob_store=f"file://{root}", blob_threshold=1000)
    app.run(define(app), BIG, id="gone-1")
    for path in root.rglob("*"):
        if path.is_file():
            path.unlink()
    reader = app_factory(blob_store=f"file://{root}", blob_threshold=1000)
    with pytest.raises(podium.SerializationError, match="blob store"):
        reader.get("gone-1").result(timeout=5)


@pytest.mark.parametrize("spec", ["s3://bucket/x", "file://", 42])
def test_unsupported_blob_stores_are_configuration_errors(spec: object) -> None:
    with pytest.raises(podium.ConfigurationError, match="blob_store"):
        podium.App("x", database_url="sqlite:///:memory:", blob_store=spec)  # type: ignore[arg-type]


def test_file_blobs_are_content_addressed(tmp_path: Path) -> None:
    store = blobs.FileBlobStore(str(tmp_path))
    key = store.put(b"abc")
    assert store.put(b"abc") == key and store.get(key) == b"abc"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [key]  # no temp files left
    with pytest.raises(KeyError):
        store.get("../../etc/passwd")
