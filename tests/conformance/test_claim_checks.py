"""Claim checks on both stores: large payloads live in the blob store, rows hold references."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

import podium
from podium import cli, codecs, governance
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
    assert app.rekey().blobs >= 3  # references looked at; all current already
    assert app.rekey().blobs_rewritten == 0


def test_rekey_re_encodes_blobs_so_the_old_key_can_go(app_factory: AppFactory, tmp_path: Path):
    root = tmp_path / "blobs"
    store = blobs.FileBlobStore(str(root), grace=0)
    old, new = codecs.generate_key(), codecs.generate_key()
    first = app_factory(
        codecs=[codecs.Encryption(codecs.KeyRing({"k1": old}, current="k1"))],
        blob_store=store,
        blob_threshold=1000,
    )
    bulky = define(first)
    assert first.run(bulky, BIG, id="blob-1")["marker"] == MARKER
    assert first.run(bulky, {"marker": "s"}, id="inline-1")["marker"] == "s"
    assert not raw_payloads(first, "inline-1")[0].startswith(blobs.PREFIX)  # its input
    old_keys = _refs(first, "blob-1") | _refs(first, "inline-1")  # its output: a blob
    assert old_keys == _blob_keys(root)

    ring = codecs.KeyRing({"k2": new, "k1": old}, current="k2")
    rotated = app_factory(codecs=[codecs.Encryption(ring)], blob_store=store, blob_threshold=1000)
    define(rotated)
    done = rotated.rekey(batch=2)
    assert done.blobs_rewritten >= len(old_keys) and done.blobs_missing == 0 and done.raced == 0
    new_keys = _refs(rotated, "blob-1") | _refs(rotated, "inline-1")
    assert new_keys and not new_keys & old_keys  # content-addressed: new blobs, rows moved
    assert _blob_keys(root) == old_keys | new_keys  # the old ones wait for the collector
    assert rotated.rekey().rewritten == 0  # a second pass finds nothing left

    only_new = app_factory(
        codecs=[codecs.Encryption(codecs.KeyRing({"k2": new}, current="k2"))],
        blob_store=store,
        blob_threshold=1000,
    )
    define(only_new)
    assert only_new.get("blob-1").result(timeout=5)["marker"] == MARKER
    assert only_new.get("inline-1").result(timeout=5)["marker"] == "s"
    assert only_new.store.load_history("blob-1")
    only_new.purge(older_than=3600)  # nothing that old: only the recorded blob deletes run
    assert _blob_keys(root) == new_keys  # the old blobs are collected
    assert only_new.get("blob-1").result(timeout=5)["marker"] == MARKER


def test_a_rekey_cut_short_leaves_every_row_readable(app_factory: AppFactory, tmp_path: Path):
    store = blobs.FileBlobStore(str(tmp_path / "blobs"), grace=0)
    old, new = codecs.generate_key(), codecs.generate_key()
    first = app_factory(
        codecs=[codecs.Encryption(codecs.KeyRing({"k1": old}, current="k1"))],
        blob_store=store,
        blob_threshold=1000,
    )
    bulky = define(first)
    for i in range(3):
        first.run(bulky, {**BIG, "marker": f"m{i}"}, id=f"cut-{i}")
    ring = codecs.KeyRing({"k2": new, "k1": old}, current="k2")
    rotated = app_factory(codecs=[codecs.Encryption(ring)], blob_store=store, blob_threshold=1000)
    define(rotated)

    def crash(where: str, rows: int) -> None:
        raise KeyboardInterrupt(where)  # the operator's ^C after the first batch

    with pytest.raises(KeyboardInterrupt):
        governance.rekey(rotated.store, rotated.codecs, batch=1, progress=crash)
    for i in range(3):  # half moved: every row reads, on the old blob or the new one
        assert rotated.get(f"cut-{i}").result(timeout=5)["marker"] == f"m{i}"
    assert rotated.rekey().blobs_rewritten > 0  # run again: the rest moves
    only_new = app_factory(
        codecs=[codecs.Encryption(codecs.KeyRing({"k2": new}, current="k2"))],
        blob_store=store,
        blob_threshold=1000,
    )
    define(only_new)
    for i in range(3):
        assert only_new.get(f"cut-{i}").result(timeout=5)["marker"] == f"m{i}"


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


def _blob_keys(root: Path) -> set[str]:
    return {p.name for p in root.rglob("*") if p.is_file()}


def _refs(app: podium.App, workflow_id: str) -> set[str]:
    texts = raw_payloads(app, workflow_id)
    return {t[len(blobs.PREFIX) :] for t in texts if t.startswith(blobs.PREFIX)}


def test_a_purge_deletes_the_blobs_only_its_workflows_held(app_factory: AppFactory, tmp_path: Path):
    root = tmp_path / "blobs"
    app = app_factory(blob_store=blobs.FileBlobStore(str(root), grace=0), blob_threshold=1000)
    failing: set[str] = set()

    @app.step
    def grow(doc: dict[str, Any]) -> dict[str, Any]:
        if doc["marker"] in failing:
            raise ValueError("refused")
        return {**doc, "grown": "z" * 3000}

    @app.workflow
    def bulky(doc: dict[str, Any]) -> dict[str, Any]:
        return grow(doc)

    doomed, kept, shared = ({**BIG, "marker": m} for m in ("doomed", "kept", "shared"))
    failing.update({"doomed", "shared"})
    for wid, doc in (("doomed-1", doomed), ("shared-1", shared)):
        with pytest.raises(podium.WorkflowFailed):
            app.run(bulky, doc, id=wid)
    failing.clear()
    assert app.run(bulky, kept, id="kept-1")["marker"] == "kept"
    assert app.run(bulky, shared, id="shared-2")["marker"] == "shared"  # its input blob: shared
    doomed_keys, kept_keys = _refs(app, "doomed-1"), _refs(app, "kept-1") | _refs(app, "shared-2")
    assert doomed_keys and kept_keys and set() < _refs(app, "shared-1") <= kept_keys
    assert doomed_keys | kept_keys == _blob_keys(root)

    found = app.purge(older_than=0, status="failed")
    assert found.workflows == 2 and app.store.get_workflow("doomed-1") is None
    assert _blob_keys(root) == kept_keys  # the doomed one's gone; the kept and shared remain
    assert app.get("kept-1").result(timeout=5)["marker"] == "kept"
    assert app.get("shared-2").result(timeout=5)["marker"] == "shared"


class FailingDeletes(blobs.FileBlobStore):
    """A blob store whose deletes fail (an S3 outage, a read-only mount)."""

    def delete(self, key: str) -> bool:
        raise OSError(f"cannot delete {key}")


def test_a_failing_blob_delete_never_blocks_the_purge(
    app_factory: AppFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    root = tmp_path / "blobs"
    app = app_factory(blob_store=FailingDeletes(str(root), grace=0), blob_threshold=1000)
    app.run(define(app), BIG, id="big-1")
    held = _blob_keys(root)
    with caplog.at_level("WARNING", logger="podium.retention"):
        assert app.purge(older_than=0).workflows == 1
    assert app.store.get_workflow("big-1") is None  # the purge is done and stays done
    assert _blob_keys(root) == held and "could not delete blob" in caplog.text


def test_a_blob_written_again_recently_is_kept(tmp_path: Path) -> None:
    store = blobs.FileBlobStore(str(tmp_path), grace=3600)
    key = store.put(b"abc")
    assert store.delete(key) is False and store.get(key) == b"abc"  # a start may hold it soon
    assert blobs.FileBlobStore(str(tmp_path), grace=0).delete(key) is True
    assert _blob_keys(tmp_path) == set()


CLI_APP = """
import podium
from podium.store import blobs

app = podium.App("blobcli", blob_store=blobs.FileBlobStore({root!r}, grace=0), blob_threshold=1000)


@app.step
def grow(doc: dict) -> dict:
    return {{**doc, "grown": "z" * 3000}}


@app.workflow
def bulky(doc: dict) -> dict:
    return grow(doc)
"""


def test_purge_from_the_cli_through_an_app_deletes_its_blobs(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "blobs"
    module = f"blobcliapp_{uuid.uuid4().hex}"  # each run imports its own (blob root)
    (tmp_path / f"{module}.py").write_text(CLI_APP.format(root=str(root)))
    monkeypatch.syspath_prepend(str(tmp_path))
    app = podium.App.from_path(f"{module}:app")
    app.settings = app.settings.evolve(database_url=store_url)
    try:
        app.run("bulky", {**BIG, "marker": "cli"}, id="cli-1")
        assert _refs(app, "cli-1") == _blob_keys(root) != set()
    finally:
        app.close()
    argv = ["purge", "--older-than", "0", "--database-url", store_url]

    assert cli.main([*argv, "--app", f"{module}:app"]) == 0

    assert "deleted 1 workflow" in capsys.readouterr().out
    assert _blob_keys(root) == set()


KEYED_APP = """
import podium
from podium import codecs
from podium.store import blobs

ring = codecs.KeyRing({keys!r}, current={current!r})
app = podium.App(
    "blobkeys",
    codecs=[codecs.Encryption(ring)],
    blob_store=blobs.FileBlobStore({root!r}, grace=0),
    blob_threshold=1000,
)


@app.step
def grow(doc: dict) -> dict:
    return {{**doc, "grown": "z" * 3000}}


@app.workflow
def bulky(doc: dict) -> dict:
    return grow(doc)
"""


def test_rekey_from_the_cli_re_encodes_blobs(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, old, new = str(tmp_path / "blobs"), codecs.generate_key(), codecs.generate_key()
    monkeypatch.syspath_prepend(str(tmp_path))
    modules = {}
    for name, keys, current in (
        ("old", {"k1": old}, "k1"),
        ("both", {"k1": old, "k2": new}, "k2"),
        ("new", {"k2": new}, "k2"),
    ):
        modules[name] = f"keyedapp_{name}_{uuid.uuid4().hex}"
        text = KEYED_APP.format(keys=keys, current=current, root=root)
        (tmp_path / f"{modules[name]}.py").write_text(text)

    def opened(name: str) -> podium.App:
        app = podium.App.from_path(f"{modules[name]}:app")
        app.settings = app.settings.evolve(database_url=store_url)
        return app

    first = opened("old")
    try:
        first.run("bulky", {**BIG, "marker": "cli"}, id="keyed-1")
        old_keys = _refs(first, "keyed-1")
    finally:
        first.close()

    assert cli.main(["rekey", f"{modules['both']}:app", "--database-url", store_url]) == 0
    assert "now in re-encoded blobs" in capsys.readouterr().out

    last = opened("new")
    try:
        assert last.get("keyed-1").result(timeout=5)["marker"] == "cli"
        assert old_keys and not old_keys & _refs(last, "keyed-1")
        last.purge(older_than=3600)  # only the recorded blob deletes run
        assert not old_keys & _blob_keys(Path(root))
        assert last.get("keyed-1").result(timeout=5)["marker"] == "cli"
    finally:
        last.close()
