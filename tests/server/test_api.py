"""The JSON API: every endpoint, its errors, and hostile input."""

from __future__ import annotations

import time

import pytest

import podium
from tests.server.login import login

START = "/api/v1/workflows"


def start(client, headers, **body):
    body.setdefault("workflow", "add")
    body.setdefault("args", [1, 2])
    return client.post(START, json=body, headers=headers)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message"} and error["message"]
    if code is not None:
        assert error["code"] == code


def test_start_then_get_and_list(client, as_scope, app):
    created = start(client, as_scope("write"), id="sum-1")
    assert created.status_code == 201
    assert created.json() == {
        "id": "sum-1",
        "workflow": "add",
        "status": "pending",
        "created": True,
    }
    again = start(client, as_scope("write"), id="sum-1")
    assert again.status_code == 200 and again.json()["created"] is False
    with app.worker(1):
        assert app.get("sum-1").result(timeout=10) == 3
    one = client.get(f"{START}/sum-1", headers=as_scope("read")).json()
    assert one["status"] == "completed" and one["output"] == 3
    assert one["input"] == {"args": [1, 2], "kwargs": {}}
    listing = client.get(START, headers=as_scope("read")).json()
    assert [w["id"] for w in listing["items"]] == ["sum-1"] and listing["next_offset"] is None


def test_start_with_input_and_kwargs(client, as_scope):
    assert (
        start(
            client, as_scope("write"), workflow="checkout", args=None, input={"id": "o"}
        ).status_code
        == 201
    )
    assert start(client, as_scope("write"), args=None, kwargs={"a": 1, "b": 2}).status_code == 201


def test_list_filters_and_pages(client, as_scope):
    for n in range(5):
        start(client, as_scope("write"), id=f"order-{n}")
    start(client, as_scope("write"), workflow="wait_long", args=[1], id="other")
    read = as_scope("read")
    page = client.get(START, params={"limit": 2}, headers=read).json()
    assert len(page["items"]) == 2 and page["next_offset"] == 2
    rest = client.get(START, params={"limit": 10, "offset": 2}, headers=read).json()
    assert len(rest["items"]) == 4
    by_name = client.get(START, params={"workflow": "wait_long"}, headers=read).json()
    assert [w["id"] for w in by_name["items"]] == ["other"]
    found = client.get(START, params={"search": "ORDER-3"}, headers=read).json()
    assert [w["id"] for w in found["items"]] == ["order-3"]
    pending = client.get(START, params={"status": "pending"}, headers=read).json()
    assert len(pending["items"]) == 6
    future = client.get(START, params={"created_after": 4e9}, headers=read).json()
    assert future["items"] == []
    past = client.get(START, params={"created_before": 1}, headers=read).json()
    assert past["items"] == []


@pytest.mark.parametrize(
    "value",
    ["' OR '1'='1", "%", "_", "\\", "order-1'; DROP TABLE podium_workflows; --", '"; --', "ü"],
)
def test_injection_strings_in_filters_match_nothing(client, as_scope, value):
    start(client, as_scope("write"), id="order-1")
    read = as_scope("read")
    for name in ("search", "workflow", "queue"):
        response = client.get(START, params={name: value}, headers=read)
        assert response.status_code == 200 and response.json()["items"] == []
    assert len(client.get(START, headers=read).json()["items"]) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nope"},
        {"limit": 0},
        {"limit": 501},
        {"limit": "ten"},
        {"offset": -1},
        {"created_after": "yesterday"},
        {"created_after": "nan"},
        {"search": "x" * 201},
        {"workflow": "a\x00b"},
    ],
)
def test_bad_filters_are_400(client, as_scope, params):
    assert_error(client.get(START, params=params, headers=as_scope("read")), 400, "bad_request")


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'"just a string"',
        b"{}",
        b'{"workflow": 5}',
        b'{"workflow": "add", "args": "1,2"}',
        b'{"workflow": "add", "args": [1], "priority": "high"}',
        b'{"workflow": "add", "args": [1, 2], "delay": -1}',
        b'{"workflow": "add", "args": [1, 2], "unknown": 1}',
        b'{"workflow": "add", "args": [1, 2], "id": ""}',
        b'{"workflow": "add", "args": [1, 2, 3]}',
        b'{"workflow": "add", "input": 1, "args": [1]}',
        b'{"workflow": "add", "kwargs": {"a": 1, "b": 2, "queue": "x"}}',
        b'{"workflow": "add", "args": [1, 2], "id": "\\ud800"}',
    ],
)
def test_bad_start_bodies_are_400(client, as_scope, body):
    headers = {**as_scope("write"), "Content-Type": "application/json"}
    assert_error(client.post(START, content=body, headers=headers), 400)


def test_a_body_that_is_not_json_says_so(client, as_scope):
    headers = {**as_scope("write"), "Content-Type": "application/json"}
    response = client.post(START, content=b'{"workflow": add}', headers=headers)
    assert_error(response, 400, "bad_request")
    message = response.json()["error"]["message"]
    assert message.startswith("body: not valid JSON at character 13 (Expecting value")


def test_unknown_workflow_and_ids_are_404(client, as_scope):
    assert_error(start(client, as_scope("write"), workflow="nope"), 404, "unknown_workflow")
    for path in ("/nope", "/nope/cancel", "/nope/resume"):
        method = client.get if path == "/nope" else client.post
        assert_error(method(START + path, headers=as_scope("admin")), 404)


def test_same_id_for_another_workflow_is_409(client, as_scope):
    start(client, as_scope("write"), id="taken")
    response = start(client, as_scope("write"), id="taken", workflow="wait_long", args=[1])
    assert_error(response, 409, "conflict")


def test_huge_bodies_are_413(client, as_scope):
    big = {"workflow": "checkout", "input": {"blob": "x" * 100_000}}
    assert_error(client.post(START, json=big, headers=as_scope("write")), 413)
    assert_error(client.get(START + "?search=" + "x" * 9000, headers=as_scope("read")), 413)


def test_payload_over_the_apps_limit_is_413(client, as_scope, app):
    app.settings = app.settings.evolve(max_payload_bytes=1000)
    big = {"workflow": "checkout", "input": {"blob": "x" * 2000}}
    assert_error(client.post(START, json=big, headers=as_scope("write")), 413)


def test_cancel_and_resume_are_admin_and_audited(client, as_scope):
    start(client, as_scope("write"), workflow="wait_long", args=[60], id="sleepy")
    assert_error(client.post(f"{START}/sleepy/cancel", headers=as_scope("write")), 403, "forbidden")
    cancelled = client.post(f"{START}/sleepy/cancel", headers=as_scope("admin"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_error(client.post(f"{START}/sleepy/cancel", headers=as_scope("admin")), 409)
    resumed = client.post(f"{START}/sleepy/resume", headers=as_scope("admin"))
    assert resumed.status_code == 200 and resumed.json()["status"] == "pending"
    assert_error(client.post(f"{START}/sleepy/resume", headers=as_scope("admin")), 409)
    audit = client.get("/api/v1/audit", headers=as_scope("admin")).json()
    assert [(e["action"], e["target"]) for e in audit] == [
        ("workflow.resume", "sleepy"),
        ("workflow.cancel", "sleepy"),
        ("workflow.start", "sleepy"),  # starts over HTTP are audited too (issue 15)
    ]
    assert audit[0]["actor"].startswith("token:") and audit[1]["detail"] == {"was": "pending"}
    assert_error(client.get("/api/v1/audit", headers=as_scope("read")), 403)


def test_ids_with_slashes_work(client, as_scope):
    start(client, as_scope("write"), id="team/a/order 1")
    got = client.get(f"{START}/team/a/order%201", headers=as_scope("read"))
    assert got.status_code == 200 and got.json()["id"] == "team/a/order 1"
    cancelled = client.post(f"{START}/team/a/order%201/cancel", headers=as_scope("admin"))
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/workflows", "/api/v1/summary", "/api/v1/queues", "/api/v1/workers", "/metrics"],
)
def test_missing_and_invalid_tokens_are_401(client, path):
    assert_error(client.get(path), 401, "unauthorized")
    for value in ("Bearer nope", "Bearer pod_abc_def", "Basic dXNlcjpwdw==", "Bearer "):
        assert_error(client.get(path, headers={"Authorization": value}), 401)


def test_write_needs_write_scope(client, as_scope):
    assert_error(start(client, as_scope("read")), 403, "forbidden")


def test_token_lifecycle_through_the_api(client, as_scope):
    admin = as_scope("admin")
    made = client.post("/api/v1/tokens", json={"name": "ci", "scopes": ["read"]}, headers=admin)
    assert made.status_code == 201
    token, token_id = made.json()["token"], made.json()["id"]
    mine = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/whoami", headers=mine).json()["scopes"] == ["read"]
    listed = client.get("/api/v1/tokens", headers=admin).json()
    assert token_id in [t["id"] for t in listed] and all("token" not in t for t in listed)
    revoked = client.delete(f"/api/v1/tokens/{token_id}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert_error(client.get("/api/v1/whoami", headers=mine), 401)
    assert_error(client.delete(f"/api/v1/tokens/{token_id}", headers=admin), 404)
    assert_error(
        client.post("/api/v1/tokens", json={"name": "x", "scopes": ["root"]}, headers=admin), 400
    )
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=admin).json()]
    assert actions == ["token.revoke", "token.create"]


def test_summary_queues_workers_and_types(client, as_scope):
    start(client, as_scope("write"), id="a")
    read = as_scope("read")
    summary = client.get("/api/v1/summary", headers=read).json()
    assert summary["counts"]["pending"] == 1 and summary["by_workflow"] == {"add": {"pending": 1}}
    queues = client.get("/api/v1/queues", headers=read).json()
    assert queues[0]["queue"] == "default" and queues[0]["pending"] == 1 and queues[0]["ready"] == 1
    assert client.get("/api/v1/workers", headers=read).json() == []
    types = {t["name"]: t for t in client.get("/api/v1/workflow-types", headers=read).json()}
    assert types["add"]["parameters"] == ["a", "b"] and set(types) == {
        "add",
        "checkout",
        "wait_long",
    }


def test_queue_full_is_429(app, as_scope):
    from fastapi.testclient import TestClient

    from podium.server import create_app

    with TestClient(create_app(app, max_queue_depth=2)) as limited:
        assert start(limited, as_scope("write")).status_code == 201
        assert start(limited, as_scope("write")).status_code == 201
        assert_error(start(limited, as_scope("write")), 429, "queue_full")


def test_no_auth_mode_needs_no_token(app):
    from fastapi.testclient import TestClient

    from podium.server import create_app

    with TestClient(create_app(app, auth=False), base_url="http://127.0.0.1:8000") as open_client:
        assert open_client.get(START).status_code == 200
        assert open_client.get("/api/v1/whoami").json()["actor"] == "no-auth"


def test_openapi_and_health(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/workflows" in paths and "/api/v1/workflows/{workflow_id}/cancel" in paths
    assert "422" not in str(schema) and "HTTPBearer" in schema["components"]["securitySchemes"]
    assert paths["/api/v1/workflows"]["post"]["responses"].keys() >= {"201", "400", "404", "413"}
    assert client.get("/healthz").json() == {"status": "ok"}
    assert_error(client.get("/api/v1/nothing-here"), 404)
    assert_error(client.put(START), 405)


def test_a_value_podium_refuses_is_400_not_500(client, as_scope):
    response = client.post(
        "/api/v1/tokens", json={"name": "\r", "scopes": ["read"]}, headers=as_scope("admin")
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"]


def test_resume_keeps_every_attempt_in_the_api_and_the_dashboard(
    client, as_scope, app: podium.App, tokens
):
    broken = {"yes": True}

    @app.workflow
    def flaky_once() -> str:
        if broken["yes"]:
            raise RuntimeError("first try breaks")
        return "fine"

    with pytest.raises(podium.WorkflowFailed):
        app.run(flaky_once, id="fl-1")
    broken["yes"] = False
    assert client.post(f"{START}/fl-1/resume", headers=as_scope("admin")).status_code == 200
    detail = client.get(f"{START}/fl-1", headers=as_scope("admin")).json()
    attempts = detail["workflow_attempts"]
    assert [(a["attempt"], a["status"], a["error_type"]) for a in attempts] == [
        (1, "failed", "RuntimeError"),
        (2, "pending", None),
    ]
    assert attempts[0]["error_message"] == "first try breaks"
    assert "RuntimeError: first try breaks" in attempts[0]["error_traceback"]
    assert "no live worker knows workflow 'flaky_once'" in detail["worker_note"]
    listing = client.get(START, headers=as_scope("read")).json()["items"]
    assert "flaky_once" in next(i for i in listing if i["id"] == "fl-1")["worker_note"]
    login(client, tokens["read"])
    assert "no worker" in client.get("/dashboard").text
    with app.worker(1):
        assert app.get("fl-1").result(timeout=10) == "fine"
    detail = client.get(f"{START}/fl-1", headers=as_scope("read")).json()
    assert [(a["status"], a["error_type"]) for a in detail["workflow_attempts"]] == [
        ("failed", "RuntimeError"),
        ("completed", None),
    ]
    assert detail["worker_note"] is None and detail["error"] is None
    page = client.get("/dashboard/workflows/fl-1").text
    assert 'id="workflow-attempts"' in page and "first try breaks" in page


def test_fork_is_admin_audited_and_refuses_bad_input(client, as_scope, app):
    start(client, as_scope("write"), id="sum-f")
    start(client, as_scope("write"), workflow="wait_long", args=[60], id="still-waiting")
    with app.worker(1):
        assert app.get("sum-f").result(timeout=10) == 3
    fork = f"{START}/sum-f/fork"
    admin = as_scope("admin")
    assert_error(client.post(fork, json={"from_step": 0}, headers=as_scope("write")), 403)
    assert_error(client.post(f"{START}/nope/fork", json={"from_step": 0}, headers=admin), 404)
    waiting = client.post(f"{START}/still-waiting/fork", json={"from_step": 0}, headers=admin)
    assert_error(waiting, 409)
    assert "cancel it first" in waiting.json()["error"]["message"]
    too_far = client.post(fork, json={"from_step": 99}, headers=admin)
    assert_error(too_far, 400)
    assert "'sum-f' has 0 history positions" in too_far.json()["error"]["message"]
    assert_error(client.post(fork, json={"from_step": -1}, headers=admin), 400)
    assert_error(client.post(fork, json={"from_step": 0, "extra": 1}, headers=admin), 400)
    taken = client.post(fork, json={"from_step": 0, "id": "still-waiting"}, headers=admin)
    assert_error(taken, 409, "conflict")
    ids = {w.id for w in app.list(limit=100)}
    assert ids == {"sum-f", "still-waiting"}  # nothing written by a refused fork

    made = client.post(fork, json={"from_step": 0, "id": "sum-g"}, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["id"] == "sum-g" and made.json()["status"] == "pending"
    with app.worker(1):
        assert app.get("sum-g").result(timeout=10) == 3
    audit = client.get("/api/v1/audit", headers=admin).json()
    assert (audit[0]["action"], audit[0]["target"]) == ("workflow.fork", "sum-f")
    assert audit[0]["detail"] == {"from_step": 0, "id": "sum-g"}


def test_workers_lists_a_live_worker_and_docs_are_served(client, as_scope, app):
    read = as_scope("read")
    with app.worker(1):
        deadline = time.time() + 10
        workers: list[dict[str, object]] = []
        while time.time() < deadline and not workers:
            workers = client.get("/api/v1/workers", headers=read).json()
            time.sleep(0.05)
    assert len(workers) == 1
    assert workers[0]["app"] == "serverapp" and "default" in workers[0]["queues"]  # type: ignore[operator]
    assert "checkout" in workers[0]["workflows"]  # type: ignore[operator]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/v1/workflows" in docs.text
    assert "<script" not in docs.text
