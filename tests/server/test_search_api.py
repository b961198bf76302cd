"""Search attributes, debounce and bulk verbs over the HTTP API: audited, 4xx on bad input."""

from __future__ import annotations

import time

from tests.server.login import login

START = "/api/v1/workflows"


def _start(client, headers, **body):
    return client.post(START, json={"workflow": "wait_long", "args": [60], **body}, headers=headers)


def test_search_attributes_start_list_and_detail(client, as_scope):
    w = as_scope("write")
    assert _start(client, w, id="a", search={"customer": "c-9", "amount": 42}).status_code == 201
    assert _start(client, w, id="b", search={"customer": "c-1", "amount": 7}).status_code == 201
    r = client.get(START, params={"attr": ["customer=c-9"]}, headers=w)
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == ["a"]
    r = client.get(START, params={"attr": ["amount=7", "customer=c-1"]}, headers=w)
    assert [i["id"] for i in r.json()["items"]] == ["b"]
    assert client.get(START, params={"attr": "nokey=1"}, headers=w).json()["items"] == []
    bad = client.get(START, params={"attr": "amount=lots"}, headers=w)
    assert bad.status_code == 400 and "holds int values" in bad.text
    assert client.get(f"{START}/a", headers=w).json()["search"] == {
        "amount": 42,
        "customer": "c-9",
    }
    wrong = _start(client, w, id="c", search={"customer": 5})
    assert wrong.status_code == 400 and "'customer' holds str values" in wrong.text
    nested = _start(client, w, id="c", search={"customer": ["x"]})
    assert nested.status_code == 400
    assert client.get(f"{START}/c", headers=w).status_code == 404


def test_debounce_over_http(client, as_scope):
    w = as_scope("write")
    first = _start(client, w, debounce=30, key="k").json()
    second = _start(client, w, args=[61], debounce=30, key="k").json()
    assert first["id"] == second["id"] and second["created"] is False
    missing = _start(client, w, debounce=30)
    assert missing.status_code == 400 and "needs key=" in missing.text
    capped = _start(client, w, debounce=30, debounce_max=45, key="m")
    assert capped.status_code == 201
    short = _start(client, w, debounce=30, debounce_max=5, key="m")
    assert short.status_code == 400 and "shorter than debounce=30" in short.text
    alone = _start(client, w, debounce_max=5, key="m")
    assert alone.status_code == 400 and "needs debounce=" in alone.text


def test_bulk_verbs_are_admin_counted_and_audited(client, as_scope):
    w, admin = as_scope("write"), as_scope("admin")
    for i in range(3):
        _start(client, w, id=f"w{i}", search={"batch": "b1"})
    body = {"workflow": "wait_long", "search": {"batch": "b1"}}
    assert client.post("/api/v1/bulk/cancel", json=body, headers=w).status_code == 403
    r = client.post("/api/v1/bulk/cancel", json=body, headers=admin)
    assert r.status_code == 200 and r.json() == {"count": 3}
    r = client.post("/api/v1/bulk/resume", json={"status": "cancelled"}, headers=admin)
    assert r.json() == {"count": 3}
    none = client.post("/api/v1/bulk/cancel", json={}, headers=admin)
    assert none.status_code == 400 and "at least one filter" in none.text
    done = client.post("/api/v1/bulk/cancel", json={"status": "completed"}, headers=admin)
    assert done.status_code == 400
    audit = client.get("/api/v1/audit", headers=admin).json()
    assert [e["action"] for e in audit].count("workflow.start") == 3
    audit = [e for e in audit if e["action"] != "workflow.start"]
    assert [(e["action"], e["detail"]["count"]) for e in audit] == [
        ("workflow.resume_many", 3),
        ("workflow.cancel_many", 3),
    ]


def test_bulk_pause_and_unpause_are_admin_counted_and_audited(client, as_scope):
    w, admin = as_scope("write"), as_scope("admin")
    for i in range(2):
        _start(client, w, id=f"p{i}", search={"batch": "b2"})
    body = {"search": {"batch": "b2"}}
    assert client.post("/api/v1/bulk/pause", json=body, headers=w).status_code == 403
    r = client.post("/api/v1/bulk/pause", json=body, headers=admin)
    assert r.status_code == 200 and r.json() == {"count": 2}
    again = client.post("/api/v1/bulk/pause", json=body, headers=admin)
    assert again.json() == {"count": 0}
    bad = client.post("/api/v1/bulk/pause", json={"status": "failed"}, headers=admin)
    assert bad.status_code == 400 and "only pending or running or waiting" in bad.text
    assert client.post("/api/v1/bulk/unpause", json={}, headers=admin).status_code == 400
    r = client.post("/api/v1/bulk/unpause", json={"workflow": "wait_long"}, headers=admin)
    assert r.json() == {"count": 2}
    audit = client.get("/api/v1/audit", headers=admin).json()
    audit = [e for e in audit if e["action"] != "workflow.start"]
    assert [(e["action"], e["detail"]["count"]) for e in audit][:3] == [
        ("workflow.unpause_many", 2),
        ("workflow.pause_many", 0),
        ("workflow.pause_many", 2),
    ]


def test_attr_filter_composes_with_created_range_and_id_substring(client, as_scope):
    w = as_scope("write")
    for wid in ("old-x", "new-x", "new-y"):
        assert _start(client, w, id=wid, search={"customer": "c-9"}).status_code == 201
        time.sleep(0.01)
    _start(client, w, id="new-other", search={"customer": "c-1"})
    created = {i: client.get(f"{START}/{i}", headers=w).json()["created_at"] for i in ("new-x",)}

    def ids(**params):
        r = client.get(START, params={"attr": ["customer=c-9"], **params}, headers=w)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids() == ["new-y", "new-x", "old-x"]
    assert ids(created_after=created["new-x"]) == ["new-y", "new-x"]
    assert ids(created_before=created["new-x"]) == ["old-x"]
    assert ids(search="NEW") == ["new-y", "new-x"]  # the id substring, case-insensitive
    assert ids(search="x", created_after=created["new-x"]) == ["new-x"]
    assert ids(search="x", status="completed") == []
    assert ids(created_after=4e9) == []


def test_dashboard_shows_search_attributes_and_paused(client, tokens, app):
    app.start("wait_long", 60, id="tagged", search={"customer": "c<9>", "amount": 42})
    app.start("wait_long", 60, id="plain")
    app.get("tagged").pause()
    login(client, tokens["read"])
    listing = client.get("/dashboard").text
    tagged_row = listing.split('data-id="tagged"')[1].split("</tr>")[0]
    plain_row = listing.split('data-id="plain"')[1].split("</tr>")[0]
    assert 'class="badge paused"' in tagged_row and "paused" not in plain_row
    page = client.get("/dashboard/workflows/tagged").text
    assert 'id="wf-paused"' in page and 'id="search"' in page
    assert '<dd data-key="customer">&quot;c&lt;9&gt;&quot;</dd>' in page  # escaped
    assert '<dd data-key="amount">42</dd>' in page
    plain = client.get("/dashboard/workflows/plain").text
    assert 'id="search"' not in plain and 'id="wf-paused"' not in plain
    app.get("tagged").unpause()
    assert 'id="wf-paused"' not in client.get("/dashboard/workflows/tagged").text
