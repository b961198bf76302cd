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
    # every shipped migration (numbers may have gaps: feature branches number their own)
    assert versions == [version for version, _, _ in queries.migrations("sqlite")]
    assert versions[-1] == migrate.latest("sqlite")


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


def test_a_version_8_database_keeps_its_workflows_under_the_split_ready_at(tmp_path):
    """Migration 9 renames ready_at; rows written before it read back with both meanings."""
    from podium.store import queries
    from podium.store.sqlite import SQLiteStore

    path = tmp_path / "v8.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE podium_schema (version INTEGER PRIMARY KEY, name TEXT, applied_at REAL)"
    )
    for version, name, script in queries.migrations("sqlite"):
        if version <= 8:
            conn.executescript(script)
            conn.execute("INSERT INTO podium_schema VALUES (?, ?, 0)", (version, name))
    columns = "id, workflow, status, queue, input, created_at, updated_at, ready_at, lease_owner"
    conn.execute(
        f"INSERT INTO podium_workflows ({columns}) VALUES "
        "('waits', 'wf', 'waiting', 'default', '[]', 1, 1, 50, NULL), "
        "('runs', 'wf', 'running', 'default', '[]', 1, 1, 70, 'me')"
    )
    conn.commit()
    conn.close()
    store = SQLiteStore(str(path))
    try:
        waits, runs = store.get_workflow("waits"), store.get_workflow("runs")
        assert waits is not None and (waits.ready_at, waits.lease_until) == (50, None)
        assert runs is not None and (runs.ready_at, runs.lease_until) == (None, 70)
        assert [c.record.id for c in store.claim("B", ["default"], 5, 60, 10)] == ["waits"]
    finally:
        store.close()
