"""The security findings of issue 15, each reproduced: internal names, hostile inputs, headers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import podium
from podium import cli

START = "/api/v1/workflows"


def _start(client, headers, **body):
    return client.post(START, json=body, headers=headers)


# -- 1: internal names are never startable from outside --------------------------------------


@pytest.mark.parametrize("name", ["podium.step:charge", "podium.step:reserve", "podium.x"])
def test_internal_names_cannot_be_started_over_http(client, as_scope, app, name):
    response = _start(client, as_scope("write"), workflow=name, input={"id": 1})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_workflow"
    assert "podium.step" not in response.json()["error"]["message"].replace(name, "")
    assert app.list() == []


def test_unknown_workflow_error_lists_no_internal_names(app):
    with pytest.raises(podium.ConfigurationError) as caught:
        app.registry.exposed("nope")
    assert "podium.step" not in str(caught.value)
    assert "checkout" in str(caught.value)
    with pytest.raises(podium.ConfigurationError) as caught:
        app.registry.workflow("nope")
    assert "podium.step" not in str(caught.value)


def test_internal_names_cannot_be_started_from_the_cli(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    argv = ["start", "tests.server.serverapp:app", "podium.step:charge", "--input", "{}"]
    code = cli.main([*argv, "--database-url", url])
    err = capsys.readouterr().err
    assert code == 2
    assert "no workflow named 'podium.step:charge'" in err
    assert "podium.step:reserve" not in err
    assert json.dumps(err).count("\\n") <= 1


# -- 3: nothing stored that cannot be read back ------------------------------------------------


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


HOSTILE_INPUTS = [
    _nested(300),
    {"a": "lone \udc80 surrogate"},
    {"lone \ud800 key": 1},
    "NUL \x00 inside",
]


@pytest.mark.parametrize("value", HOSTILE_INPUTS)
def test_unreadable_inputs_are_refused_at_start(app, value):
    with pytest.raises(podium.SerializationError):
        app.start("checkout", value)
    assert app.list() == []


def test_inputs_at_the_depth_limit_are_stored_and_read_back(client, as_scope, app):
    # checkout(order: dict): the nesting inside a dict, as its type hint asks
    response = _start(client, as_scope("write"), workflow="checkout", input={"v": _nested(94)})
    assert response.status_code == 201, response.text
    got = client.get(f"{START}/{response.json()['id']}", headers=as_scope("read"))
    assert got.status_code == 200


@pytest.mark.parametrize("depth", [300, 900, 5_000, 10_000])
def test_deep_inputs_over_http_are_400_and_write_nothing(client, as_scope, app, depth):
    body = '{"workflow": "checkout", "input": ' + "[" * depth + "]" * depth + "}"
    headers = {**as_scope("write"), "Content-Type": "application/json"}
    response = client.post(START, content=body, headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert "nested" in error["message"] and "100" in error["message"], error  # the limit
    if depth > sys.getrecursionlimit():  # too deep for the JSON parser: the body, the fix
        assert "JSON body" in error["message"] and "flatten" in error["message"], error
    assert app.list() == []


@pytest.mark.parametrize("text", ['"\\udc80"', '"a\\u0000b"', '{"\\ud800": 1}'])
def test_bad_text_over_http_is_4xx_and_writes_nothing(client, as_scope, app, text):
    body = '{"workflow": "checkout", "input": ' + text + "}"
    headers = {**as_scope("write"), "Content-Type": "application/json"}
    response = client.post(START, content=body, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert app.list() == []


@pytest.mark.parametrize("depth", [900, 10_000])
def test_deep_cloudevents_are_400_and_store_nothing(client, as_scope, app, depth):
    data = "[" * depth + "]" * depth
    body = '{"specversion": "1.0", "id": "e1", "source": "s", "type": "t", "data": ' + data + "}"
    headers = {**as_scope("write"), "Content-Type": "application/cloudevents+json"}
    response = client.post("/events", content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert app.store.get_event("s:e1") is None if hasattr(app.store, "get_event") else True


@pytest.mark.parametrize("value", HOSTILE_INPUTS)
def test_unreadable_messages_and_events_are_refused(app, value):
    handle = app.start("wait_long", 60)
    with pytest.raises(podium.SerializationError):
        app.publish("topic", value)
    with pytest.raises(podium.SerializationError):
        handle.send("topic", value)


# -- 8: the CLI prints one clear line and exits 2 ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["1" * 5000, "[" * 30_000 + "]" * 30_000, "[" * 200 + "]" * 200, '"\\u0000"', '"\\udc80"'],
    ids=["5000 digits", "30000 deep", "200 deep", "NUL", "surrogate"],
)
def test_cli_hostile_input_is_one_line_exit_2(tmp_path: Path, capsys, text):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code = cli.main(
        ["start", "tests.server.serverapp:app", "checkout", "--input", text, "--database-url", url]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error:") and "Traceback" not in err
    assert len(err) < 1000


def test_cli_corrupt_sqlite_file_is_one_line_exit_2(tmp_path: Path, capsys):
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database" * 100)
    code = cli.main(["ls", "--database-url", f"sqlite:///{path}"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error:") and "Traceback" not in err and "\n" not in err


# -- 6: tokens expire; the last admin token stays ---------------------------------------------


def test_expired_tokens_are_refused(client, app):
    import time

    from podium.store import auth

    store = auth.AuthStore(app.store)
    now = time.time()
    _, soon = store.create_token("soon", ["read"], now, expires_at=now + 3600)
    _, past = store.create_token("past", ["read"], now - 10, expires_at=now - 1)
    ok = client.get(START, headers={"Authorization": f"Bearer {soon}"})
    assert ok.status_code == 200
    gone = client.get(START, headers={"Authorization": f"Bearer {past}"})
    assert gone.status_code == 401
    with pytest.raises(podium.ConfigurationError):
        store.create_token("bad", ["read"], now, expires_at=now - 5)


def test_tokens_created_over_http_can_expire(client, as_scope):
    body = {"name": "ci", "scopes": ["read"], "expires_in": 60}
    made = client.post("/api/v1/tokens", json=body, headers=as_scope("admin"))
    assert made.status_code == 201, made.text
    assert made.json()["expires_at"] is not None
    bad = client.post("/api/v1/tokens", json={**body, "expires_in": -1}, headers=as_scope("admin"))
    assert bad.status_code == 400


def test_the_last_admin_token_cannot_be_revoked(client, app, tokens, as_scope):
    from podium.store import auth

    store = auth.AuthStore(app.store)
    admin_id = next(t.id for t in store.list_tokens() if "admin" in t.scopes)
    refused = client.delete(f"/api/v1/tokens/{admin_id}", headers=as_scope("admin"))
    assert refused.status_code == 409, refused.text
    info = store.get_token(admin_id)
    assert info is not None and info.revoked_at is None
    made = client.post(
        "/api/v1/tokens", json={"name": "a2", "scopes": ["admin"]}, headers=as_scope("admin")
    )
    assert made.status_code == 201
    assert client.delete(f"/api/v1/tokens/{admin_id}", headers=as_scope("admin")).status_code == 200


# -- 5: the browser's threats ------------------------------------------------------------------


@pytest.fixture
def open_client(app):
    from fastapi.testclient import TestClient

    from podium.server import create_app

    with TestClient(create_app(app, auth=False), base_url="http://127.0.0.1:8000") as c:
        yield c


def test_cross_site_posts_are_refused_without_auth(open_client, app):
    handle = app.start("wait_long", 60)
    url = f"{START}/{handle.id}/cancel"
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        response = open_client.post(url, headers=headers)
        assert response.status_code == 403, headers
    assert app.get(handle.id).status() == "pending"
    same = open_client.post(url, headers={"Origin": "http://127.0.0.1:8000"})
    assert same.status_code == 200, same.text


def test_foreign_hosts_are_refused_without_auth(open_client):
    assert open_client.get(START, headers={"Host": "evil.example"}).status_code == 403
    assert open_client.get(START, headers={"Host": "localhost:8000"}).status_code == 200


def test_security_headers_on_every_response(client, open_client, as_scope):
    for response in (
        client.get(START, headers=as_scope("read")),
        client.get("/nope"),
        open_client.get("/dashboard"),
    ):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


# -- 9: HTTP details ---------------------------------------------------------------------------


def test_405_names_the_allowed_methods(client, as_scope):
    response = client.put(START, headers=as_scope("admin"))
    assert response.status_code == 405
    assert "POST" in response.headers["allow"] and "GET" in response.headers["allow"]


def test_tracebacks_only_for_the_traceback_scope(client, app, as_scope, wait_until):
    from podium.store import auth

    handle = app.start("checkout", {"id": "t1", "fail": True})
    with app.worker():
        wait_until(lambda: handle.status() == "failed")
    url = f"{START}/{handle.id}"
    read = client.get(url, headers=as_scope("read")).json()
    assert read["error"]["message"] and read["error"]["traceback"] is None
    rows = read["attempts"] + read["workflow_attempts"]
    assert all(v is None for row in rows for k, v in row.items() if "traceback" in k)
    assert client.get(url, headers=as_scope("admin")).json()["error"]["traceback"]
    _, token = auth.AuthStore(app.store).create_token("dbg", ["read", "traceback"], 0.0)
    shown = client.get(url, headers={"Authorization": f"Bearer {token}"}).json()
    assert shown["error"]["traceback"]


# -- 4 (started): the audit log is a hash chain ------------------------------------------------


def test_audit_chain_verifies_and_detects_tampering(app):
    from podium.store import auth

    store = auth.AuthStore(app.store)
    for n in range(5):
        store.audit("cli", "workflow.cancel", f"w{n}", {"n": n}, 1000.0 + n)
    assert store.verify_audit(batch=2) == (5, None)
    app.store.connector.execute(
        "UPDATE podium_audit_log SET target = 'other' WHERE target = 'w2'", {}
    )
    checked, problem = store.verify_audit()
    assert checked == 2 and problem is not None and "changed" in problem


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/breakers/transitions?name=%00",
        "/api/v1/breakers/a%00b",
        "/api/v1/machines/m%00/instances",
        "/api/v1/machines/m/instances?state=%00",
        "/api/v1/machines/m/instances/i%00",
        "/api/v1/schedules/s%00",
        "/api/v1/workflows/w%00/events",
        "/api/v1/queues/q%00",
    ],
)
def test_a_nul_in_a_name_of_the_url_is_400_not_a_store_error(client, as_scope, path):
    """Every name a URL carries is checked at the boundary, before any store sees it."""
    response = client.get(path, headers=as_scope("admin"))
    assert response.status_code in (400, 404, 405), response.text
    if response.status_code == 400:
        assert "NUL" in response.json()["error"]["message"]
