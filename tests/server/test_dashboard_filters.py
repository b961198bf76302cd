"""The workflow list's search-attribute and time filters, and their errors, as HTML."""

from __future__ import annotations

import re

import podium
from podium.store import auth

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ROW = re.compile(r'<tr class="wf" data-id="([^"]+)"')


def _ids(html: str) -> set[str]:
    return set(ROW.findall(html))


def _seed(app: podium.App) -> None:
    app.start("wait_long", 60, id="gold-1", search={"tier": "gold", "n": 1})
    app.start("wait_long", 60, id="gold-2", search={"tier": "gold", "n": 2})
    app.start("wait_long", 60, id="plain", search={"tier": "basic", "n": 3})


def test_search_attributes_filter_the_list(client, tokens, app):
    _seed(app)
    client.cookies.set("podium_token", tokens["read"])
    assert _ids(client.get("/dashboard").text) == {"gold-1", "gold-2", "plain"}
    assert _ids(client.get("/dashboard", params={"attr": "tier=gold"}).text) == {
        "gold-1",
        "gold-2",
    }
    both = client.get("/dashboard", params={"attr": "tier=gold, n=2"})
    assert _ids(both.text) == {"gold-2"}
    assert 'value="tier=gold, n=2"' in both.text
    assert _ids(client.get("/dashboard", params={"attr": "nobody=x"}).text) == set()


def test_time_filters_select_by_creation(client, tokens, app):
    _seed(app)
    created = {r.id: r.created_at for r in app.list()}
    client.cookies.set("podium_token", tokens["read"])
    import datetime as dt

    def text(t: float) -> str:
        return dt.datetime.fromtimestamp(t, dt.UTC).isoformat()

    cut = (created["gold-1"] + created["gold-2"]) / 2  # microseconds in the text
    later = client.get("/dashboard", params={"after": text(cut)})
    assert _ids(later.text) == {"gold-2", "plain"}
    earlier = client.get("/dashboard", params={"before": text(cut)})
    assert _ids(earlier.text) == {"gold-1"}
    naive = text(cut).replace("+00:00", "")
    assert _ids(client.get("/dashboard", params={"after": naive}).text) == {"gold-2", "plain"}
    assert _ids(client.get("/dashboard", params={"before": "2000-01-01"}).text) == set()


def test_bad_filters_are_explained_in_the_page(client, tokens, app):
    _seed(app)
    client.cookies.set("podium_token", tokens["admin"])
    for params, words in (
        ({"after": "yesterday"}, "created after 'yesterday' is not a date and time"),
        ({"before": "2026-13-40"}, "is not a date and time"),
        ({"after": "2026-12-06", "before": "2026-12-05"}, "must be earlier than"),
        ({"attr": "tier"}, "is not KEY=VALUE"),
        ({"attr": "n=many"}, "n"),
        ({"status": "sleepy"}, "is not one of"),
        ({"search": "x" * 400}, "at most 300"),
    ):
        page = client.get("/dashboard", params=params)
        assert page.status_code == 400, params
        error = re.search(r'id="filter-error"[^>]*>([^<]+)<', page.text)
        assert error and words in error.group(1).replace("&#x27;", "'"), (params, page.text[:300])
        assert "Traceback" not in page.text and 'id="bulk-actions"' not in page.text


def test_bulk_actions_act_on_the_attribute_and_time_selection(client, tokens, app):
    _seed(app)
    client.cookies.set("podium_token", tokens["admin"])
    csrf = CSRF.search(client.get("/dashboard").text)
    assert csrf
    form = {"verb": "bulk-cancel", "attr": "tier=gold", "csrf": csrf.group(1)}
    asked = client.post("/dashboard/actions", data=form)
    assert "Cancel 2 workflows matching attr=tier=gold?" in asked.text
    client.post("/dashboard/actions", data={**form, "confirm": "1"})
    statuses = {r.id: r.status for r in app.list()}
    assert statuses == {"gold-1": "cancelled", "gold-2": "cancelled", "plain": "pending"}
    entry = auth.AuthStore(app.store).audit_log(5, 0)[0]
    assert entry.action == "workflow.cancel_many" and entry.detail["filters"] == {
        "attr": "tier=gold"
    }
    bad = client.post("/dashboard/actions", data={**form, "attr": "", "after": "soon"})
    assert bad.status_code == 400 and "not a date and time" in bad.text
    assert {r.id: r.status for r in app.list()}["plain"] == "pending"


def test_the_list_says_how_many_match(client, tokens, app):
    _seed(app)
    client.cookies.set("podium_token", tokens["read"])

    def total(**params: str) -> str:
        found = re.search(r'id="total">([^<]+)<', client.get("/dashboard", params=params).text)
        assert found
        return found.group(1)

    assert total() == "3 workflows match"
    assert total(attr="tier=gold") == "2 workflows match"
    assert total(search="plain") == "1 workflow matches"
    assert total(status="failed") == "0 workflows match"
