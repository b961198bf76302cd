"""Redaction and validation seen from outside: two tokens over HTTP, the CLI, the audit chain."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

import podium
from podium import cli, redaction
from podium.server import create_app
from podium.store import auth
from tests.server.login import login

CARD = "4242424242424242"
TOKEN = "tok-9f8e7d6c5b4a"


class Card(BaseModel):
    number: str
    holder: str


class Order(BaseModel):
    id: int
    card: Card
    amount: float


def build(url: str) -> podium.App:
    app = podium.App("gov", database_url=url)

    @app.step(redact=["token"])
    def charge(order: Order) -> dict[str, object]:
        return {"token": TOKEN, "amount": order.amount}

    @app.step
    def decline(number: str) -> None:
        raise ValueError(f"card {number} was declined")

    @app.step(validate=True)
    def count() -> int:
        return "many"  # type: ignore[return-value]

    @app.workflow(redact=["card.number"])
    def checkout(order: Order) -> dict[str, object]:
        assert isinstance(order, Order)  # validated and converted at start
        podium.set_search(card=order.card.number)  # a copy of a redacted value: masked too
        receipt = charge(order)
        return {"receipt": receipt, "last4": order.card.number[-4:], "pin": podium.Secret("1234")}

    @app.workflow(redact=["card.number"])
    def declined(order: Order) -> None:
        decline(order.card.number)

    @app.workflow
    def counting() -> int:
        return count()

    return app


ORDER = {"id": 7, "card": {"number": CARD, "holder": "Ada"}, "amount": 12.5}


@pytest.fixture
def app(tmp_path: Path):
    application = build(f"sqlite:///{tmp_path / 'gov.db'}")
    yield application
    application.close()


@pytest.fixture
def client(app: podium.App):
    with TestClient(create_app(app), raise_server_exceptions=False) as c:
        yield c


def _headers(app: podium.App, *scopes: str) -> dict[str, str]:
    token = auth.AuthStore(app.store).create_token("t", list(scopes), time.time())[1]
    return {"Authorization": f"Bearer {token}"}


def test_redacted_values_show_only_to_tokens_with_the_secrets_scope(app, client):
    app.run(app.registry.workflow("checkout"), ORDER, id="o-1")
    plain = client.get("/api/v1/workflows/o-1", headers=_headers(app, "admin"))
    assert plain.status_code == 200
    body = plain.text
    assert CARD not in body and TOKEN not in body
    data = plain.json()
    assert data["input"]["args"][0]["v"]["card"]["number"] == "*****"
    assert data["output"]["receipt"]["token"] == "*****"
    assert data["output"]["pin"] == "*****"
    assert data["output"]["last4"] == "4242"  # not a redacted path: shown
    revealed = client.get("/api/v1/workflows/o-1", headers=_headers(app, "read", "secrets"))
    assert CARD in revealed.text and TOKEN in revealed.text
    assert revealed.json()["output"]["pin"] == "1234"
    login(client, _headers(app, "admin")["Authorization"].removeprefix("Bearer "))
    page = client.get("/dashboard/workflows/o-1", follow_redirects=False)
    assert page.status_code == 200 and "o-1" in page.text and "*****" in page.text
    assert CARD not in page.text and TOKEN not in page.text


def test_the_workflow_itself_sees_real_values(app):
    out = app.run(app.registry.workflow("checkout"), ORDER)
    assert out["receipt"]["token"] == TOKEN
    assert isinstance(out["pin"], podium.Secret) and out["pin"].reveal() == "1234"
    assert str(out["pin"]) == "*****" and "1234" not in repr(out)


def test_sensitive_values_are_scrubbed_from_error_messages(app, client, caplog):
    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(app.registry.workflow("declined"), ORDER, id="d-1")
    assert CARD not in str(caught.value) and "card ***** was declined" in caught.value.message
    assert CARD not in (caught.value.traceback or "")
    assert CARD not in caplog.text
    text = client.get("/api/v1/workflows/d-1", headers=_headers(app, "admin", "secrets")).text
    assert "card ***** was declined" in text
    assert text.count(CARD) == 1  # only in the input, revealed to the secrets scope


def test_cli_show_and_export_mask_redacted_values(app, tmp_path, capsys):
    app.run(app.registry.workflow("checkout"), ORDER, id="o-2")
    url = str(app.settings.database_url)
    assert cli.main(["show", "o-2", "--database-url", url]) == 0
    shown = capsys.readouterr().out
    assert "*****" in shown and CARD not in shown and TOKEN not in shown
    assert "card='*****'" in shown  # its search attribute
    assert cli.main(["export", "o-2", "--database-url", url]) == 0
    exported = capsys.readouterr().out
    assert CARD not in exported and TOKEN not in exported and "*****" in exported
    json.loads(exported)
    assert cli.main(["export", "o-2", "--reveal", "--database-url", url]) == 0
    assert CARD in capsys.readouterr().out


# -- validation -------------------------------------------------------------------------------


def test_bad_input_over_http_is_422_naming_the_field_and_writes_nothing(app, client):
    bad = {**ORDER, "amount": "lots", "card": {"number": CARD}}
    response = client.post(
        "/api/v1/workflows",
        json={"workflow": "checkout", "input": bad, "id": "v-1"},
        headers=_headers(app, "write"),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    fields = {f["field"] for f in error["fields"]}
    assert fields == {"order.amount", "order.card.holder"}
    assert "type hints" in error["message"]
    assert app.list() == []
    good = client.post(
        "/api/v1/workflows",
        json={"workflow": "checkout", "input": ORDER, "id": "v-2"},
        headers=_headers(app, "write"),
    )
    assert good.status_code == 201


def test_bad_input_through_the_api_and_cli(app, tmp_path, capsys):
    with pytest.raises(podium.ValidationError) as caught:
        app.start(app.registry.workflow("checkout"), {"id": "seven"})
    assert (
        "order.id",
        "Input should be a valid integer, unable to parse string as an integer",
    ) in (caught.value.errors)
    assert app.list() == []
    module = tmp_path / "govapp.py"
    module.write_text(
        "from tests.server.test_governance import build\n"
        f"app = build({str(app.settings.database_url)!r})\n"
    )
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        code = cli.main(["start", "govapp:app", "checkout", "--input", '{"id": 1}'])
    finally:
        sys.path.remove(str(tmp_path))
    err = capsys.readouterr().err
    assert code == 2
    assert "order.card: Field required" in err and err.count("\n") == 1
    assert app.list() == []


def test_a_step_result_that_fails_its_annotation_fails_the_step(app):
    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(app.registry.workflow("counting"))
    assert caught.value.error_type == "ValidationError"
    assert "result of step 'count'" in caught.value.message


# -- audit ------------------------------------------------------------------------------------


def test_starts_publishes_messages_are_audited_in_the_chain(app, client):
    headers = _headers(app, "write")
    started = client.post(
        "/api/v1/workflows",
        json={"workflow": "checkout", "input": ORDER, "id": "a-1"},
        headers=headers,
    )
    assert started.status_code == 201
    assert (
        client.post(
            "/api/v1/events", json={"topic": "t.x", "payload": 1}, headers=headers
        ).status_code
        == 201
    )
    sent = client.post(
        "/api/v1/workflows/a-1/messages", json={"topic": "m", "payload": 2}, headers=headers
    )
    assert sent.status_code == 201
    store = auth.AuthStore(app.store)
    actions = [(e.action, e.target) for e in store.audit_log()]
    assert ("workflow.start", "a-1") in actions
    assert ("workflow.message", "a-1") in actions
    assert any(a == "event.publish" for a, _ in actions)
    assert all(e.actor.startswith("token:") or e.actor for e in store.audit_log())
    assert store.verify_audit()[1] is None


# -- dashboard sessions -------------------------------------------------------------------------


def _login(client: TestClient, token: str, **headers: str):
    return client.post(
        "/dashboard/login",
        content=f"token={token}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        follow_redirects=False,
    )


def test_the_session_cookie_is_signed_and_never_the_token(app, client):
    info, token = auth.AuthStore(app.store).create_token("viewer", ["read"], time.time())
    response = _login(client, token)
    assert response.status_code == 303
    cookie = response.cookies["podium_session"]
    assert token not in cookie and token.split("_")[-1] not in cookie
    assert cookie.startswith(f"v1.{info.id}.")
    assert "secure" not in response.headers["set-cookie"].lower()  # plain http here
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    client.cookies.clear()
    client.cookies.set("podium_session", cookie[:-4] + "0000")  # forged MAC
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set("podium_session", token)  # the raw token is no session either
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set("podium_session", cookie)
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    admin = auth.AuthStore(app.store).create_token("admin", ["admin"], time.time())[0]
    assert admin.id
    auth.AuthStore(app.store).revoke(info.id, time.time())  # revoking ends its sessions
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_cookies_are_secure_over_https_and_cross_site_logins_are_refused(app, client):
    token = auth.AuthStore(app.store).create_token("viewer", ["read"], time.time())[1]
    behind_proxy = _login(client, token, **{"X-Forwarded-Proto": "https"})
    assert behind_proxy.status_code == 303
    cookies = behind_proxy.headers.get_list("set-cookie")
    assert cookies and all("secure" in c.lower() for c in cookies)
    with TestClient(create_app(app), base_url="https://testserver") as tls:
        direct = _login(tls, token)
        assert all("secure" in c.lower() for c in direct.headers.get_list("set-cookie"))
    foreign = _login(client, token, Origin="https://evil.example")
    assert foreign.status_code == 403 and "podium_session" not in foreign.cookies
    same = _login(client, token, Origin="http://testserver")
    assert same.status_code == 303
    out = client.post("/dashboard/logout", headers={"Origin": "https://evil.example"})
    assert out.status_code == 403


def test_the_openapi_schema_refuses_nul_like_the_server(client):
    schema = client.get("/openapi.json").json()
    start = schema["components"]["schemas"]["StartRequest"]["properties"]["workflow"]
    assert start["pattern"] == "^[^\\x00]*$"
    scopes = schema["components"]["schemas"]["TokenRequest"]["properties"]["scopes"]
    assert "secrets" in json.dumps(scopes)


def test_messages_received_by_a_redacting_workflow_are_masked(tmp_path: Path):
    app = podium.App("msg", database_url=f"sqlite:///{tmp_path / 'm.db'}")

    @app.workflow(redact=["card.number"])
    def wait_card() -> str:
        got = podium.receive("card", timeout=60)
        assert isinstance(got, dict)
        return str(got["card"]["holder"])

    try:
        with app.worker(concurrency=1):
            h = app.start(wait_card, id="m-1")
            h.send("card", {"card": {"number": CARD, "holder": "Ada"}})
            assert h.result(timeout=20) == "Ada"
        history = [e.payload or "" for e in app.store.load_history("m-1")]
        assert any(CARD in p for p in history)  # the real value is kept, inside its tag
        shown = [redaction.view_text(p) or "" for p in history]
        assert not any(CARD in p for p in shown) and any("*****" in p for p in shown)
    finally:
        app.close()
