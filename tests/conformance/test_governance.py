"""Governance on both stores: the last-admin guard under a race, purge, rekey, audit verify."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

import podium
from podium import cli, codecs
from podium.patterns import remediation
from podium.store import auth, coded, queries
from podium.store import rekey as rekey_store


def _race(store: auth.AuthStore, first: str, second: str) -> list[str]:
    """Revoke two tokens at the same moment from two threads; each outcome."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def revoke(token_id: str) -> None:
        barrier.wait()
        try:
            store.revoke(token_id, time.time())
            outcomes.append("revoked")
        except podium.ConfigurationError:
            outcomes.append("refused")

    threads = [threading.Thread(target=revoke, args=(t,)) for t in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_two_concurrent_revokes_never_leave_no_admin(app):
    store = auth.AuthStore(app.store)
    for _round in range(10):
        a = store.create_token("a", ["admin"], time.time())[0]
        b = store.create_token("b", ["admin"], time.time())[0]
        for t in store.list_tokens():
            if t.revoked_at is None and t.id not in (a.id, b.id):
                store.revoke(t.id, time.time())
        assert _race(store, a.id, b.id) == ["refused", "revoked"]
        active = [t for t in store.list_tokens() if t.active(time.time()) and "admin" in t.scopes]
        assert len(active) == 1


# -- retention ----------------------------------------------------------------------------------


def _count(app: podium.App, table: str, workflow_ids: list[str]) -> int:
    rows = app.store.connector.query(f"SELECT workflow_id FROM {table}", {})
    return sum(1 for r in rows if r["workflow_id"] in workflow_ids)


def _define(app: podium.App):
    @app.step
    def double(x: int) -> int:
        return x * 2

    @app.workflow
    def kid(x: int) -> int:
        return double(x)

    @app.workflow
    def parent(n: int) -> list[int]:
        return list(podium.gather(*(podium.start_child(kid, i) for i in range(n))))

    @app.workflow
    def broken(x: int) -> int:
        raise ValueError(f"no {x}")

    @app.workflow
    def waiting() -> object:
        return podium.receive("go", timeout=3600)

    return parent, broken, waiting


def test_purge_deletes_old_finished_workflows_with_everything_they_own(app):
    parent, broken, waiting = _define(app)
    with app.worker(concurrency=4):
        assert app.run(parent, 3, id="p") == [0, 2, 4]
        with pytest.raises(podium.WorkflowFailed):
            app.run(broken, 1, id="b")
        app.start(waiting, id="w")
        deadline = time.monotonic() + 10
        while app.get("w").status() != "waiting" and time.monotonic() < deadline:
            time.sleep(0.02)
    assert app.get("w").status() == "waiting"
    children = [i.id for i in app.list(limit=100) if i.parent_id == "p"]
    assert len(children) == 3
    finished = ["p", "b", *children]
    assert _count(app, "podium_history", finished) > 0

    assert app.purge(older_than=3600).workflows == 0  # nothing that old
    dry = app.purge(older_than=0, dry_run=True)
    assert (dry.workflows, dry.dry_run) == (5, True)
    assert len(app.list(limit=100)) == 6
    only_failed = app.purge(older_than="0s", status="failed")
    assert only_failed.workflows == 1
    assert sorted(i.id for i in app.list(limit=100)) == sorted(["p", "w", *children])
    done = app.purge(older_than=timedelta(seconds=0), batch=1)
    assert done.workflows == 4 and done.batches >= 1
    assert [i.id for i in app.list(limit=100)] == ["w"]
    for table in ("podium_history", "podium_attempts", "podium_workflow_attempts"):
        assert _count(app, table, finished) == 0, table
    assert _count(app, "podium_waits", ["w"]) == 1  # the waiting one is untouched
    actions = [e.action for e in auth.AuthStore(app.store).audit_log()]
    assert actions.count("workflow.purge") == 4
    with pytest.raises(podium.ConfigurationError, match="finished status"):
        app.purge(older_than=0, status="waiting")
    with pytest.raises(podium.ConfigurationError, match="30d"):
        app.purge(older_than="a month")


def test_purge_keeps_a_parent_whose_child_has_not_finished(app: podium.App) -> None:
    @app.workflow
    def slow() -> object:
        return podium.receive("never", timeout=3600)

    @app.workflow
    def impatient() -> str:
        podium.start_child(slow, id="slow-kid")
        return "left early"

    with app.worker(concurrency=2):
        assert app.run(impatient, id="imp") == "left early"
        deadline = time.monotonic() + 10
        while app.get("slow-kid").status() != "waiting" and time.monotonic() < deadline:
            time.sleep(0.02)
    found = app.purge(older_than=0)
    assert (found.workflows, found.skipped) == (0, 1)
    assert {i.id for i in app.list(limit=10)} == {"imp", "slow-kid"}


# -- rekey --------------------------------------------------------------------------------------


def test_rekey_moves_every_payload_to_the_current_key(app_factory, store_url):
    old, new = codecs.generate_key(), codecs.generate_key()
    plain = app_factory()
    _define(plain)
    plain.run(plain.registry.workflow("parent"), 2, id="before-codecs")
    first = app_factory(codecs=[codecs.Encryption(codecs.KeyRing({"k1": old}, current="k1"))])
    _define(first)
    first.run(first.registry.workflow("parent"), 2, id="under-k1")
    first.publish("topic.x", {"secret": "under k1"})
    first.remediate("note", when=lambda s: "always", do=lambda app: "noted under k1")
    rt = first.runtime
    remediation.evaluate(rt, first.rules, first.served_queues(), rt.clock.time())

    ring = codecs.KeyRing({"k2": new, "k1": old}, current="k2")
    rotated = app_factory(codecs=[codecs.Compression(), codecs.Encryption(ring)])
    _define(rotated)
    done = rotated.rekey(batch=2)
    assert done.rewritten > 0 and done.raced == 0
    again = rotated.rekey()
    assert again.rewritten == 0  # resumable: a second pass finds nothing left

    only_new = app_factory(
        codecs=[codecs.Compression(), codecs.Encryption(codecs.KeyRing({"k2": new}, current="k2"))]
    )
    _define(only_new)
    for workflow_id in ("before-codecs", "under-k1"):
        assert only_new.get(workflow_id).result(timeout=5) == [0, 2]
        assert only_new.store.load_history(workflow_id)
    assert [d.result for d in only_new.remediations()] == ["done: noted under k1"]
    coded_store = rotated.store
    assert isinstance(coded_store, coded.CodedStore)
    raw = coded_store.inner.connector
    for table, _key, columns in rekey_store.TABLES:
        for column in columns:
            for row in raw.query(f"SELECT {column} AS v FROM {table}", {}):
                assert row["v"] is None or rotated.codecs.is_current(row["v"]), (table, column)
    actions = [e.action for e in auth.AuthStore(rotated.store).audit_log()]
    assert actions.count("payload.rekey") == 2


def test_rekey_needs_codecs(app):
    with pytest.raises(podium.ConfigurationError, match="codecs"):
        app.rekey()


# -- audit verify (CLI) -------------------------------------------------------------------------


def test_audit_verify_exits_1_naming_the_first_broken_entry(app, store_url, capsys):
    store = auth.AuthStore(app.store)
    for i in range(3):
        store.audit("tester", "thing.do", f"t{i}", {"i": i}, time.time())
    assert cli.main(["audit", "verify", "--database-url", store_url]) == 0
    assert "3 entries verified" in capsys.readouterr().out
    rows = app.store.connector.query("SELECT id FROM podium_audit_log ORDER BY id", {})
    second = rows[1]["id"]
    c = app.store.connector
    c.execute(
        queries.adapt(c.dialect, "UPDATE podium_audit_log SET actor = :a WHERE id = :id"),
        {"a": "mallory", "id": second},
    )
    assert cli.main(["audit", "verify", "--database-url", store_url]) == 1
    err = capsys.readouterr().err
    assert f"entry {second} was changed" in err and err.count("\n") == 1


def test_purge_from_the_cli_with_a_dry_run(app, store_url, capsys):
    _parent, broken, _waiting = _define(app)
    with pytest.raises(podium.WorkflowFailed):
        app.run(broken, 1, id="b")
    argv = ["purge", "--older-than", "0", "--database-url", store_url]
    assert cli.main([*argv, "--dry-run"]) == 0
    assert "would delete 1 workflow" in capsys.readouterr().out
    assert len(app.list()) == 1
    assert cli.main([*argv, "--status", "completed"]) == 0
    assert "deleted 0 workflows" in capsys.readouterr().out
    assert cli.main(argv) == 0
    assert "deleted 1 workflow" in capsys.readouterr().out
    assert app.list() == []
    assert cli.main(["purge", "--older-than", "soon", "--database-url", store_url]) == 2
    assert "30d" in capsys.readouterr().err
