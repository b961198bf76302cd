"""Schema versioning of the SQLite store: created once, idempotent, newer schema refused."""

import sqlite3

import pytest

import podium
from podium.store import factory, migrate, queries


def test_fresh_store_records_latest_version(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    factory.open_store(url).close()
    factory.open_store(url).close()  # opening again migrates nothing and does not fail
    conn = sqlite3.connect(tmp_path / "m.db")
    versions = [row[0] for row in conn.execute("SELECT version FROM podium_schema")]
    # Every numbered migration, once (features on parallel branches take their own numbers).
    known = sorted(version for version, _, _ in queries.migrations("sqlite"))
    assert sorted(versions) == known
    assert known[-1] == migrate.latest("sqlite")


def test_newer_schema_is_a_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    factory.open_store(url).close()
    conn = sqlite3.connect(tmp_path / "m.db")
    conn.execute("INSERT INTO podium_schema VALUES (999, 'future', 0)")
    conn.commit()
    conn.close()
    with pytest.raises(podium.ConfigurationError, match="newer than"):
        factory.open_store(url)


def test_pending_lists_only_newer_migrations():
    every = {m[0] for m in migrate.pending("sqlite", set())}
    assert migrate.pending("sqlite", every) == []
    assert migrate.pending("sqlite", set())[0][0] == 1
    # a migration numbered below one already applied still runs
    assert [m[0] for m in migrate.pending("sqlite", every - {1})] == [1]
