"""Tokens limited to workflow names and queues, and without the payloads right (issue 15).

Through the HTTP API on both stores: a limited token starts, lists, gets, cancels and resumes
only the workflows within its limits (others are 404, as if absent; starts outside them 403,
writing nothing), and every route that does not apply the limits refuses it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import podium
from podium import cli
from podium.server import create_app
from podium.store import auth
from tests.server import serverapp

START = "/api/v1/workflows"
Headers = Callable[..., dict[str, str]]


@pytest.fixture(params=["sqlite", "postgres"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[podium.App]:
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'limits.db'}"
        else:
            from tests import pg

            url = stack.enter_context(pg.fresh_schema())
        application = serverapp.build(url)

        @application.workflow(queue="billing")
        def invoice(n: int) -> int:
            return n * 10

        yield application
        application.close()


@pytest.fixture
def client(app: podium.App) -> Iterator[TestClient]:
    with TestClient(create_app(app, max_body=64 * 1024), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def token(app: podium.App) -> Headers:
    """Authorization headers of a new token with these scopes and limits."""
    store = auth.AuthStore(app.store)

    def make(*scopes: str, **limits: Any) -> dict[str, str]:
        secret = store.create_token("t", list(scopes), time.time(), **limits)[1]
        return {"Authorization": f"Bearer {secret}"}

    return make


def _ids(client: TestClient, headers: dict[str, str], **query: str) -> list[str]:
    response = client.get(START, params=query, headers=headers)
    assert response.status_code == 200, response.text
    return sorted(item["id"] for item in response.json()["items"])


def test_a_token_limited_to_workflow_names(app: podium.App, client: TestClient, token: Headers):
    full = token("admin")
    mine = token("admin", workflows=["add"])
    assert client.post(START, json={"workflow": "add", "args": [1, 2], "id": "a1"}, headers=mine)
    refused = client.post(START, json={"workflow": "invoice", "input": 3}, headers=mine)
    assert refused.status_code == 403
    assert "'add'" in refused.json()["error"]["message"]
    assert _ids(client, full) == ["a1"]  # the refused start wrote nothing
    app.run(app.registry.workflows["invoice"], 3, id="i1")
    app.run(app.registry.workflows["add"], 2, 2, id="a2")

    assert _ids(client, full) == ["a1", "a2", "i1"]
    assert _ids(client, mine) == ["a1", "a2"]
    assert _ids(client, mine, workflow="invoice") == []
    assert client.get(f"{START}/a2", headers=mine).json()["output"] == 4
    for path in ("i1", "i1/cancel", "i1/resume"):
        method = client.get if "/" not in path else client.post
        hidden = method(f"{START}/{path}", headers=mine)
        assert hidden.status_code == 404, path  # as if it did not exist
        assert "i1" in hidden.json()["error"]["message"] and "invoice" not in hidden.text
    client.post(
        START, json={"workflow": "add", "args": [5, 5], "id": "a3", "delay": 3600}, headers=mine
    )
    assert client.post(f"{START}/a3/cancel", headers=mine).json()["status"] == "cancelled"
    assert client.post(f"{START}/a3/resume", headers=mine).status_code == 200
    who = client.get("/api/v1/whoami", headers=mine).json()
    assert (who["workflows"], who["queues"], who["payloads"]) == (["add"], None, True)


def test_a_token_limited_to_a_queue(app: podium.App, client: TestClient, token: Headers):
    billing = token("write", queues=["billing"])
    assert client.post(START, json={"workflow": "invoice", "input": 1}, headers=billing)
    moved = {"workflow": "add", "args": [1, 1], "queue": "billing"}
    assert client.post(START, json=moved, headers=billing).status_code == 201
    elsewhere = client.post(START, json={"workflow": "add", "args": [1, 1]}, headers=billing)
    assert elsewhere.status_code == 403
    assert "'billing'" in elsewhere.json()["error"]["message"]
    queues = {item["queue"] for item in client.get(START, headers=billing).json()["items"]}
    assert queues == {"billing"} and len(app.list()) == 2


def test_routes_that_do_not_apply_limits_refuse_a_limited_token(client: TestClient, token: Headers):
    limited = token("admin", workflows=["add"])
    for method, path, body in [
        ("post", "/api/v1/events", {"topic": "order.created", "payload": {}}),
        ("post", "/api/v1/bulk/cancel", {"workflow": "checkout"}),
        ("post", "/api/v1/tokens", {"name": "escalate", "scopes": ["admin"]}),
        ("get", "/api/v1/tokens", None),
        ("get", "/api/v1/audit", None),
        ("get", "/api/v1/summary", None),
    ]:
        call = getattr(client, method)
        response = call(path, headers=limited, **({} if body is None else {"json": body}))
        assert response.status_code == 403, (path, response.text)
        assert "limited to workflows 'add'" in response.json()["error"]["message"]
    page = client.post(
        "/dashboard/login", data={"token": limited["Authorization"][7:]}, follow_redirects=False
    )
    assert page.headers["location"] == "/dashboard/login?error=1"


def test_a_token_without_the_payloads_right_sees_metadata_only(
    app: podium.App, client: TestClient, token: Headers
):
    app.run(app.registry.workflows["checkout"], {"id": "o1", "sku": "sku-77"}, id="p1")
    full = client.get(f"{START}/p1", headers=token("read")).json()
    assert full["output"]["reserve"] == "reserved sku-77" and full["input"] is not None
    assert any(event["payload"] is not None for event in full["history"])
    bare = client.get(f"{START}/p1", headers=token("read", payloads=False)).json()
    assert (bare["status"], bare["workflow"]) == ("completed", "checkout")
    assert len(bare["history"]) == len(full["history"])  # the steps, without their values
    assert bare["input"] is None and bare["output"] is None
    assert all(event["payload"] is None for event in bare["history"])
    assert "sku-77" not in json.dumps(bare)


def test_tokens_with_limits_over_http_and_their_bad_values(
    app: podium.App, client: TestClient, token: Headers
):
    admin = token("admin")
    body = {"name": "bot", "scopes": ["write"], "workflows": ["add"], "payloads": False}
    made = client.post("/api/v1/tokens", json=body, headers=admin)
    assert made.status_code == 201, made.text
    assert (made.json()["workflows"], made.json()["queues"]) == (["add"], None)
    listed = {t["name"]: t for t in client.get("/api/v1/tokens", headers=admin).json()}
    assert listed["bot"]["payloads"] is False
    entry = auth.AuthStore(app.store).audit_log(1)[0]
    assert entry.detail == {"scopes": ["write"], "workflows": ["add"], "payloads": False}
    for bad in ([], [""], ["a\x00b"], "add"):
        response = client.post("/api/v1/tokens", json={**body, "workflows": bad}, headers=admin)
        assert response.status_code in (400, 422), bad
    with pytest.raises(podium.ConfigurationError, match="non-empty list of names"):
        auth.AuthStore(app.store).create_token("x", ["read"], time.time(), queues=[])


def test_a_limited_admin_does_not_count_for_the_last_admin_guard(app: podium.App):
    store = auth.AuthStore(app.store)
    full = store.create_token("root", ["admin"], time.time())[0]
    store.create_token("scoped", ["admin"], time.time(), workflows=["add"])
    with pytest.raises(podium.ConfigurationError, match="last active admin"):
        store.revoke(full.id, time.time())


def test_tokens_create_with_limits_from_the_cli(app: podium.App, capsys: Any):
    url = app.settings.database_url
    argv = ["tokens", "create", "--name", "bot", "--scope", "write", "--workflow", "add"]
    argv += ["--queue", "billing", "--no-payloads", "--json", "--database-url", url]
    assert cli.main(argv) == 0
    made = json.loads(capsys.readouterr().out)
    assert (made["workflows"], made["queues"], made["payloads"]) == (["add"], ["billing"], False)
    info = auth.AuthStore(app.store).get_token(made["id"])
    assert info is not None and info.limited and not info.payloads
    assert cli.main(["tokens", "list", "--database-url", url]) == 0
    assert "workflows=add queues=billing no-payloads" in capsys.readouterr().out
    code = cli.main(["tokens", "create", "--name", "x", "--workflow", "", "--database-url", url])
    err = capsys.readouterr().err
    assert code == 2 and "workflows" in err and "Traceback" not in err


def test_a_token_without_the_payloads_right_sees_no_machine_data(
    app: podium.App, client: TestClient, token: Headers
):
    ticket = app.state_machine(
        "ticket", initial="open", transitions=[("go", "open", "done")], final=["done"]
    )
    ticket.create("T-1", {"title": "printer on fire"})
    ticket.send("T-1", "go", {"note": "smoke"})
    url = "/api/v1/machines/ticket/instances/T-1"
    full = client.get(url, headers=token("read")).json()
    assert full["data"] == {"title": "printer on fire"} and full["history"][0]["payload"]
    bare = client.get(url, headers=token("read", payloads=False)).json()
    assert (bare["state"], [h["event"] for h in bare["history"]]) == ("done", ["go"])
    assert "printer" not in json.dumps(bare) and "smoke" not in json.dumps(bare)
