"""Dashboard actions over HTTP: CSRF token, scope, confirmation step, audit."""

from __future__ import annotations

import re

import podium
from podium.store import auth
from tests.server.login import login

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _token(client, cookie: str) -> str:
    login(client, cookie)
    page = client.get("/dashboard")
    found = CSRF.search(page.text)
    assert found, "no CSRF token in the page"
    return found.group(1)


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(client, tokens, app):
    app.start("wait_long", 60, id="w-1")
    _token(client, tokens["admin"])
    before = auth.AuthStore(app.store).audit_log(50, 0)
    for form in (
        {"verb": "cancel", "id": "w-1", "confirm": "1"},
        {"verb": "cancel", "id": "w-1", "confirm": "1", "csrf": "forged"},
    ):
        response = client.post("/dashboard/actions", data=form, follow_redirects=False)
        assert response.status_code == 403 and "CSRF" in response.text
    record = app.store.get_workflow("w-1")
    assert record is not None and record.status == "pending"
    assert auth.AuthStore(app.store).audit_log(50, 0) == before


def test_buttons_only_for_a_scope_that_allows_them(client, tokens, app):
    app.start("wait_long", 60, id="w-2")
    login(client, tokens["write"])
    page = client.get("/dashboard/workflows/w-2")
    assert (
        'id="act-cancel"' not in page.text
        and 'id="bulk-cancel"' not in client.get("/dashboard").text
    )
    csrf = CSRF.search(client.get("/dashboard/operations").text)
    assert csrf is None
    cookie = client.cookies.get("podium_csrf")
    form = {"verb": "cancel", "id": "w-2", "confirm": "1", "csrf": cookie}
    assert client.post("/dashboard/actions", data=form).status_code == 403
    assert app.store.get_workflow("w-2").status == "pending"
    login(client, tokens["admin"])
    assert 'id="act-cancel"' in client.get("/dashboard/workflows/w-2").text


def test_confirm_then_cancel_is_audited(client, tokens, app: podium.App):
    app.start("wait_long", 60, id="w-3")
    csrf = _token(client, tokens["admin"])
    form = {"verb": "cancel", "id": "w-3", "csrf": csrf, "back": "/dashboard/workflows/w-3"}
    asked = client.post("/dashboard/actions", data=form)
    assert asked.status_code == 200 and "Cancel workflow &#x27;w-3&#x27; (pending)?" in asked.text
    assert app.store.get_workflow("w-3").status == "pending"  # type: ignore[union-attr]
    done = client.post("/dashboard/actions", data={**form, "confirm": "1"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/dashboard/workflows/w-3"
    assert app.store.get_workflow("w-3").status == "cancelled"  # type: ignore[union-attr]
    actions = [e.action for e in auth.AuthStore(app.store).audit_log(10, 0)]
    assert "workflow.cancel" in actions
    evil = {**form, "confirm": "1", "verb": "resume", "back": "https://evil.example/"}
    assert (
        client.post("/dashboard/actions", data=evil, follow_redirects=False).headers["location"]
        == "/dashboard"
    )


def test_bulk_pause_acts_on_the_filtered_selection(client, tokens, app):
    for n in range(3):
        app.start("wait_long", 60, id=f"batch-{n}")
    app.start("wait_long", 60, id="other")
    csrf = _token(client, tokens["admin"])
    form = {"verb": "bulk-pause", "search": "batch", "csrf": csrf}
    assert (
        "Pause 3 workflows matching search=batch?"
        in client.post("/dashboard/actions", data=form).text
    )
    client.post("/dashboard/actions", data={**form, "confirm": "1"})
    paused = {w: app.store.get_workflow(w).paused_at is not None for w in ("batch-0", "other")}
    assert paused == {"batch-0": True, "other": False}
