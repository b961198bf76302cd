"""open_store: database URL parsing, helpful errors, lazy dialect import."""

import os
from pathlib import Path

import pytest

import podium
from podium.store import factory, sqlite


def test_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    assert factory.sqlite_path("sqlite:///data/podium.db") == ("data/podium.db", {})
    monkeypatch.chdir(tmp_path)
    store = factory.open_store("sqlite:///relative.db")
    try:
        assert isinstance(store, sqlite.SQLiteStore)
        assert (tmp_path / "relative.db").exists()
    finally:
        store.close()


def test_absolute_path(tmp_path: Path):
    path = tmp_path / "abs.db"
    assert factory.sqlite_path(f"sqlite:///{path}") == (str(path), {})
    store = factory.open_store(f"sqlite:///{path}")
    try:
        assert path.exists()
        assert store.list_workflows() == []
    finally:
        store.close()


def test_memory():
    assert factory.sqlite_path("sqlite:///:memory:") == (":memory:", {})
    store = factory.open_store("sqlite:///:memory:")
    try:
        assert store.get_workflow("nope") is None
    finally:
        store.close()


def test_options(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'o.db'}?synchronous=full"
    assert factory.sqlite_path(url) == (str(tmp_path / "o.db"), {"synchronous": "full"})
    store = factory.open_store(url)
    try:
        assert isinstance(store, sqlite.SQLiteStore)
        assert store.synchronous == "FULL"
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "expect"),
    [
        ("mysql://user@host/db", "unsupported scheme"),
        ("podium.db", "unsupported scheme"),
        ("sqlite://host/podium.db", "three slashes"),
        ("sqlite:///", "names no file"),
        ("sqlite:///x.db?journal=delete", "unknown option"),
        ("sqlite:///x.db?synchronous=sometimes", "synchronous"),
        ("sqlite:////no/such/folder/x.db", "does not exist"),
    ],
)
def test_bad_urls_say_what_to_write(url: str, expect: str):
    with pytest.raises(podium.ConfigurationError, match=expect):
        factory.open_store(url)


def test_bad_url_type():
    with pytest.raises(podium.ConfigurationError, match="must be a string"):
        factory.open_store(None)  # type: ignore[arg-type]


def test_unsupported_scheme_lists_examples():
    with pytest.raises(podium.ConfigurationError) as caught:
        factory.open_store("redis://localhost")
    assert "sqlite:///" in str(caught.value) and "postgresql://" in str(caught.value)


def test_passwords_are_redacted_from_errors():
    with pytest.raises(podium.ConfigurationError) as caught:
        factory.open_store("mysql://user:s3cret@localhost/db")
    assert "s3cret" not in str(caught.value)
    assert "***" in str(caught.value)


def test_missing_folder_is_not_created(tmp_path: Path):
    folder = tmp_path / "missing"
    with pytest.raises(podium.ConfigurationError, match="create it first"):
        factory.open_store(f"sqlite:///{folder / 'x.db'}")
    assert not folder.exists()


def test_reopening_keeps_data(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'keep.db'}"
    with podium.App("a", database_url=url) as app:

        @app.workflow
        def job() -> int:
            return 1

        app.run(job, id="kept")
    store = factory.open_store(url)
    try:
        record = store.get_workflow("kept")
        assert record is not None and record.status == "completed"
    finally:
        store.close()


def test_app_default_database_is_podium_db_in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    with podium.App("default") as app:
        assert app.settings.database_url == "sqlite:///podium.db"
        app.list()
    assert os.path.exists(tmp_path / "podium.db")


def test_app_uses_podium_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PODIUM_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    with podium.App("env") as app:
        app.list()
    assert (tmp_path / "env.db").exists()
