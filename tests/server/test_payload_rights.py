"""Every read route, walked with a token without the payloads right and with a limited token.

A marker is planted in a workflow's input, output, step results, search attributes, a retried
step's error, a failed workflow's error, a received message, a published event (waited for
and not), a state machine's data and event payload, and a remediation rule's result (what its
custom `do=` function returned). A second marker is a `redact=` value that
a workflow also copies into its search attributes, its state (queried) and its error: no
token without the `secrets` scope sees it, whatever its other rights. The
walk enumerates the GET routes of the app's router, so a route added later is walked too
(and fails here until its path parameters are given a value below): with the full right the
marker shows on some routes (the walk is able to see it), without it on none.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import podium
from podium.patterns import remediation
from podium.server import create_app
from podium.store import auth
from tests.server import serverapp
from tests.server.login import login

MARKER = "zq-planted-7781"
REDACTED = "zq-redacted-5512"
FILL = {
    "workflow_id": ["leak-ok", "leak-failed", "leak-msg", "leak-redacted"],
    "name": ["vault"],
    "instance": ["V-1"],
}
"""A value for each path parameter of a GET route (the planted workflows and instance)."""
STATIC = {"/dashboard/static/{name}": ["app.js"]}


def _replaced(data: Any, payload: Any) -> Any:
    del data
    return payload


@pytest.fixture
def app(tmp_path: Path) -> Iterator[podium.App]:
    application = serverapp.build(f"sqlite:///{tmp_path / 'rights.db'}")
    flaky: dict[str, int] = {}

    @application.step(retry=podium.RetryPolicy(max_attempts=3, initial_delay=0.0, jitter=False))
    def fetch(secret: str) -> str:
        flaky[secret] = flaky.get(secret, 0) + 1
        if flaky[secret] < 2:
            raise ConnectionError(f"gateway refused {secret}")
        return f"fetched {secret}"

    @application.workflow
    def leaky(order: dict[str, str]) -> dict[str, str]:
        podium.set_search(customer=order["secret"])
        got = fetch(order["secret"])
        if order.get("fail"):
            raise ValueError(f"cannot ship {order['secret']}")
        return {"got": got}

    @application.workflow
    def listener() -> str:
        note = podium.receive("note", timeout=30)
        shipped = podium.wait_for_event("shipped", timeout=30, since=0)
        return f"{note} {shipped}"

    @application.workflow(redact=["card.number"])
    def guarded(card: dict[str, Any]) -> dict[str, str]:
        podium.set_search(card=card["number"])
        state = podium.state({"last": card["number"], "open": True})
        if card.get("wait"):
            podium.wait_condition(lambda: not state["open"], timeout=60)
        raise ValueError(f"card {card['number']} declined")

    @guarded.query("last")
    def last(state: dict[str, str]) -> str:
        return f"last card {state['last']}"

    @guarded.query("broken")
    def broken(state: dict[str, str]) -> str:
        raise KeyError(f"{state['last']} {MARKER}")

    def refuse(state: dict[str, str], card: str) -> None:
        raise ValueError(f"{state['last']} stays; {card} refused")

    @guarded.update("swap", validator=refuse)
    def swap(state: dict[str, str], card: str) -> None:
        state["last"] = card

    vault = application.state_machine(
        "vault",
        initial="closed",
        transitions=[
            {"event": "open", "source": "closed", "target": "opened", "update": _replaced}
        ],
        final="opened",
    )
    vault.create("V-1", {"combination": MARKER})
    vault.send("V-1", "open", {"combination": f"new {MARKER}"})

    application.remediate("leak-rule", when=lambda s: "always", do=lambda app: f"moved {MARKER}")
    rt = application.runtime
    remediation.evaluate(rt, application.rules, application.served_queues(), rt.clock.time())
    application.run(leaky, {"secret": MARKER}, id="leak-ok")
    with pytest.raises(podium.WorkflowFailed):
        application.run(leaky, {"secret": MARKER, "fail": "yes"}, id="leak-failed")
    handle = application.start(listener, id="leak-msg")
    handle.send("note", {"text": MARKER})
    application.publish("shipped", {"text": MARKER})
    application.publish("unheard", {"text": MARKER})  # an event no workflow waits for
    with application.worker(1):
        note = str({"text": MARKER})
        assert handle.result(timeout=10) == f"{note} {note}"
        with pytest.raises(podium.WorkflowFailed):
            application.run(guarded, {"number": REDACTED}, id="leak-redacted")
    yield application
    application.close()


@pytest.fixture
def client(app: podium.App) -> Iterator[TestClient]:
    with TestClient(create_app(app), raise_server_exceptions=False) as c:
        yield c


def _headers(app: podium.App, scopes: list[str], **limits: Any) -> dict[str, str]:
    secret = auth.AuthStore(app.store).create_token("t", scopes, time.time(), **limits)[1]
    return {"Authorization": f"Bearer {secret}"}


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (however this FastAPI nests them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)


def get_urls(server: FastAPI) -> list[str]:
    """A URL for each GET route, once per value of each of its path parameters."""
    urls: list[str] = []
    for route in _routes(server.routes):
        if "GET" not in (route.methods or ()):
            continue
        params = [p.name for p in route.dependant.path_params]
        if route.path in STATIC:
            urls += [route.path.replace("{name}", n) for n in STATIC[route.path]]
            continue
        missing = [p for p in params if p not in FILL]
        assert not missing, f"{route.path}: give FILL a value for {missing}"
        filled = [route.path.replace("{workflow_id:path}", "{workflow_id}")]
        for param in params:
            filled = [u.replace(f"{{{param}}}", v) for u in filled for v in FILL[param]]
        urls += filled
    return sorted(set(urls))


def _walk(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    server = client.app
    assert isinstance(server, FastAPI)
    urls = [*get_urls(server), "/api/v1/workflows?status=failed", "/api/v1/workflows?search=leak"]
    bodies = {}
    for url in urls:
        response = client.get(url, headers=headers, follow_redirects=False)
        assert response.status_code < 500, (url, response.text)
        bodies[url] = response.text
    return bodies


def test_no_get_route_shows_a_payload_to_a_token_without_the_right(
    app: podium.App, client: TestClient
) -> None:
    bulk = {"search": {"customer": f"no {MARKER}"}, "status": "waiting"}
    paused = client.post("/api/v1/bulk/pause", json=bulk, headers=_headers(app, ["admin"]))
    assert paused.status_code == 200 and paused.json() == {"count": 0}  # audited, filters too
    full = _walk(client, _headers(app, ["admin"]))
    seen = {url for url, body in full.items() if MARKER in body}
    assert "/api/v1/audit" in seen
    assert {
        "/api/v1/workflows/leak-ok",
        "/api/v1/workflows/leak-failed",
        "/api/v1/workflows/leak-msg",
        "/api/v1/machines/vault/instances/V-1",
        "/api/v1/remediations",  # a custom do= function's result quotes it
    } <= seen
    assert len(full) >= 25  # every route of the app, not a handful

    bare = _walk(client, _headers(app, ["admin"], payloads=False))
    assert [url for url, body in bare.items() if MARKER in body] == []
    headers = _headers(app, ["admin"], payloads=False)
    login = client.post(
        "/dashboard/login", data={"token": headers["Authorization"][7:]}, follow_redirects=False
    )
    assert login.headers["location"] == "/dashboard/login?error=1"  # the dashboard shows payloads
    failed = client.get("/api/v1/workflows/leak-failed", headers=headers).json()
    assert failed["status"] == "failed" and failed["error"]["type"] == "ValueError"
    assert failed["error"]["message"] is None and failed["error"]["traceback"] is None
    [decision] = client.get("/api/v1/remediations", headers=headers).json()
    assert decision["rule"] == "leak-rule" and decision["result"] is None
    retried = client.get("/api/v1/workflows/leak-ok", headers=headers).json()
    assert [a["error_type"] for a in retried["attempts"]] == ["ConnectionError"]
    assert retried["attempts"][0]["error_message"] is None


def test_a_limited_token_sees_no_workflow_outside_its_limits(
    app: podium.App, client: TestClient
) -> None:
    app.run(app.registry.workflows["add"], 1, 2, id="mine")
    limited = _walk(client, _headers(app, ["admin"], workflows=["add"]))
    assert "mine" in limited["/api/v1/workflows"]
    for url, body in limited.items():
        assert MARKER not in body and "leaky" not in body and "listener" not in body, url


def test_answers_of_queries_updates_and_machine_events_without_the_right(
    app: podium.App, client: TestClient
) -> None:
    bare = _headers(app, ["write"], payloads=False)
    moved = client.post(
        "/api/v1/machines/vault/instances/V-1/events", json={"event": "open"}, headers=bare
    )
    assert moved.status_code == 409  # only from closed; a refusal names no data
    assert MARKER not in moved.text
    vault = app.state_machine("vault2", initial="a", transitions=[("go", "a", "b")], final="b")
    vault.create("W-1", {"pin": MARKER})
    sent = client.post(
        "/api/v1/machines/vault2/instances/W-1/events",
        json={"event": "go", "payload": "p"},
        headers=bare,
    )
    assert sent.status_code == 200, sent.text
    assert (sent.json()["to"], sent.json()["data"], sent.json()["payload"]) == ("b", None, None)
    assert MARKER not in sent.text


def test_query_and_update_answers_without_the_right(
    app: podium.App, client: TestClient, wait_until: Any
) -> None:
    @app.workflow
    def safe() -> int:
        state = podium.state({"codes": [], "open": True})
        podium.wait_condition(lambda: not state["open"], timeout=60)
        return len(state["codes"])

    @safe.update("add")
    def add(state: dict[str, Any], code: str) -> str:
        state["codes"].append(code)
        return f"added {code}"

    @safe.query("codes")
    def codes(state: dict[str, Any]) -> list[str]:
        return list(state["codes"])

    handle = app.start("safe", id="safe-1")
    full, bare = _headers(app, ["write"]), _headers(app, ["write"], payloads=False)
    url = "/api/v1/workflows/safe-1"
    with app.worker(2):
        wait_until(lambda: handle.status() == "waiting")
        added = client.post(f"{url}/update", json={"name": "add", "arg": MARKER}, headers=bare)
        assert added.status_code == 200 and added.json() == {"result": None}
        asked = client.post(f"{url}/query", json={"name": "codes"}, headers=full)
        assert asked.json() == {"result": [MARKER]}
        hidden = client.post(f"{url}/query", json={"name": "codes"}, headers=bare)
        assert hidden.status_code == 200 and hidden.json() == {"result": None}
        handle.cancel()


def test_a_repeated_cloudevent_does_not_answer_the_stored_payload(
    app: podium.App, client: TestClient
) -> None:
    event = {"specversion": "1.0", "id": "e1", "source": "s", "type": "note.made"}
    full = {**_headers(app, ["write"]), "Content-Type": "application/cloudevents+json"}
    bare = {**_headers(app, ["write"], payloads=False), "Content-Type": full["Content-Type"]}
    first = client.post("/events", json={**event, "data": {"text": MARKER}}, headers=full)
    assert first.status_code == 202 and first.json()["event"]["payload"] == {"text": MARKER}
    again = client.post("/events", json={**event, "data": "guess"}, headers=bare)
    assert again.status_code == 202 and again.json()["created"] is False
    assert again.json()["event"]["payload"] is None and MARKER not in again.text


def test_a_redacted_value_shows_on_no_route_without_the_secrets_scope(
    app: podium.App, client: TestClient
) -> None:
    revealed = _walk(client, _headers(app, ["read", "secrets"]))
    assert REDACTED in revealed["/api/v1/workflows/leak-redacted"]  # the walk can see it
    for scopes in (["admin"], ["read"]):
        walked = _walk(client, _headers(app, scopes))
        assert [url for url, body in walked.items() if REDACTED in body] == [], scopes
        got = client.get("/api/v1/workflows/leak-redacted", headers=_headers(app, scopes)).json()
        assert got["search"] == {"card": "*****"} and "*****" in got["error"]["message"]
    bare = _headers(app, ["read"], payloads=False)
    got = client.get("/api/v1/workflows/leak-ok", headers=bare).json()
    assert got["search"] == {"customer": None}  # the name stays, the value goes
    login(client, _headers(app, ["admin"])["Authorization"][7:])  # the dashboard, signed in
    server = client.app
    assert isinstance(server, FastAPI)
    pages = {u: client.get(u).text for u in get_urls(server) if u.startswith("/dashboard")}
    assert "*****" in pages["/dashboard/workflows/leak-redacted"]
    assert MARKER in pages["/dashboard/workflows/leak-ok"]  # signed in: it shows payloads
    assert [url for url, page in pages.items() if REDACTED in page] == []


def test_a_search_attribute_filter_needs_the_payloads_right(
    app: podium.App, client: TestClient
) -> None:
    url = f"/api/v1/workflows?attr=customer={MARKER}"
    full = client.get(url, headers=_headers(app, ["read"]))
    assert full.status_code == 200 and sorted(w["id"] for w in full.json()["items"]) == [
        "leak-failed",
        "leak-ok",
    ]
    bare = client.get(url, headers=_headers(app, ["read"], payloads=False))
    assert bare.status_code == 403 and MARKER not in bare.text and "leak-ok" not in bare.text


def test_a_search_attribute_filter_never_matches_a_redacted_value_without_secrets(
    app: podium.App, client: TestClient
) -> None:
    url = f"/api/v1/workflows?attr=card={REDACTED}"
    revealed = client.get(url, headers=_headers(app, ["read", "secrets"]))
    assert [w["id"] for w in revealed.json()["items"]] == ["leak-redacted"]
    for scopes in (["admin"], ["read"]):  # the payloads right, not the secrets scope
        hidden = client.get(url, headers=_headers(app, scopes))
        assert hidden.status_code == 200 and hidden.json()["items"] == [], scopes
        assert REDACTED not in hidden.text and "leak-redacted" not in hidden.text
    other = client.get(f"/api/v1/workflows?attr=customer={MARKER}", headers=_headers(app, ["read"]))
    assert len(other.json()["items"]) == 2  # a filter on unmarked values still matches
    login(client, _headers(app, ["admin"])["Authorization"][7:])  # the dashboard's list too
    page = client.get("/dashboard", params={"attr": f"card={REDACTED}"})
    assert page.status_code == 200 and "leak-redacted" not in page.text
    listed = client.get("/dashboard", params={"attr": f"customer={MARKER}"})
    assert "leak-ok" in listed.text


def test_query_answers_and_errors_mask_redacted_values(
    app: podium.App, client: TestClient, wait_until: Any
) -> None:
    handle = app.start("guarded", {"number": REDACTED, "wait": True}, id="guard-1")
    url = "/api/v1/workflows/guard-1/query"
    with app.worker(1):
        wait_until(lambda: handle.status() == "waiting")
        read, revealing = _headers(app, ["read"]), _headers(app, ["read", "secrets"])
        masked = client.post(url, json={"name": "last"}, headers=read)
        assert masked.status_code == 200 and masked.json() == {"result": "last card *****"}
        shown = client.post(url, json={"name": "last"}, headers=revealing)
        assert shown.json() == {"result": f"last card {REDACTED}"}
        bare = client.post(
            url, json={"name": "last"}, headers=_headers(app, ["read"], payloads=False)
        )
        assert bare.json() == {"result": None}
        failed = client.post(url, json={"name": "broken"}, headers=read)
        assert failed.status_code == 400 and "raised KeyError: '***** " in failed.text
        assert REDACTED not in failed.text and MARKER in failed.text  # masked, not hidden
        bare_headers = _headers(app, ["read"], payloads=False)
        hidden = client.post(url, json={"name": "broken"}, headers=bare_headers)
        assert hidden.status_code == 400 and "QueryFailed" in hidden.text
        assert REDACTED not in hidden.text and MARKER not in hidden.text
        swap = {"name": "swap", "arg": MARKER}
        update = "/api/v1/workflows/guard-1/update"
        refused = client.post(update, json=swap, headers=_headers(app, ["write"]))
        assert refused.status_code == 422 and "***** stays" in refused.text
        assert REDACTED not in refused.text and MARKER in refused.text  # the caller's own arg
        hidden = client.post(update, json=swap, headers=_headers(app, ["write"], payloads=False))
        assert hidden.status_code == 422 and "UpdateRejected" in hidden.text
        assert REDACTED not in hidden.text and MARKER not in hidden.text
        handle.cancel()
