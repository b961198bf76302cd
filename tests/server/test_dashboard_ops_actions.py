"""Schedule and breaker actions: JSON API and dashboard (confirmation, CSRF, scope, audit)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

import podium
from podium.patterns import schedule
from podium.store import auth
from tests.server import serverapp

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def ops_app(app: podium.App) -> podium.App:
    return serverapp.add_operations(app)


def _trip(app: podium.App) -> None:
    gateway = app.registry.steps["call_gateway"]
    for _ in range(2):
        with pytest.raises(ConnectionError):
            gateway(True)


def _csrf(client, cookie: str) -> str:
    client.cookies.set("podium_token", cookie)
    found = CSRF.search(client.get("/dashboard/operations").text)
    assert found, "no CSRF token on the operations page"
    return found.group(1)


def _audit(app: podium.App) -> list[tuple[str, str | None]]:
    return [(e.action, e.target) for e in auth.AuthStore(app.store).audit_log(50, 0)]


def _schedule(app: podium.App, name: str) -> schedule.ScheduleInfo:
    return next(s for s in app.schedules() if s.name == name)


def test_schedules_are_listed_with_their_cron_in_words(client, as_scope, ops_app):
    listed = client.get("/api/v1/schedules", headers=as_scope("read")).json()
    assert [s["name"] for s in listed] == ["yearly_report"]
    assert listed[0]["described"] == "at 00:00 Europe/Paris on 1 January"
    assert listed[0]["paused"] is False and listed[0]["next_run"] > 0
    upcoming = listed[0]["upcoming"]
    assert upcoming[0] == listed[0]["next_run"] and len(upcoming) == 3
    years = [dt.datetime.fromtimestamp(t, dt.UTC) for t in upcoming]
    assert [y.year - years[0].year for y in years] == [0, 1, 2]  # once a year, 1 January


def test_schedule_verbs_over_the_api_are_admin_only_and_audited(client, as_scope, ops_app):
    url = "/api/v1/schedules/yearly_report"
    assert client.post(url + "/pause", headers=as_scope("write")).status_code == 403
    assert _schedule(ops_app, "yearly_report").paused is False
    paused = client.post(url + "/pause", headers=as_scope("admin"))
    assert paused.status_code == 200 and paused.json()["paused"] is True
    assert _schedule(ops_app, "yearly_report").paused is True
    assert client.post(url + "/resume", headers=as_scope("admin")).json()["paused"] is False
    ran = client.post(url + "/trigger", headers=as_scope("admin")).json()
    assert ran["id"].startswith("yearly_report@manual:")
    record = ops_app.store.get_workflow(ran["id"])
    assert record is not None and record.workflow == "yearly_report"
    missing = client.post("/api/v1/schedules/nope/trigger", headers=as_scope("admin"))
    assert missing.status_code == 404 and "yearly_report" in missing.json()["error"]["message"]
    actions = [a for a, _ in _audit(ops_app)]
    assert {"schedule.pause", "schedule.resume", "schedule.trigger"} <= set(actions)


def test_trigger_needs_the_served_app_to_declare_the_workflow(client, as_scope, ops_app, tmp_path):
    other = podium.App("other", database_url=f"sqlite:///{tmp_path / 'server.db'}")
    try:
        from fastapi.testclient import TestClient

        from podium.server import create_app

        with TestClient(create_app(other), raise_server_exceptions=False) as c:
            answer = c.post("/api/v1/schedules/yearly_report/trigger", headers=as_scope("admin"))
        assert answer.status_code == 400
        assert "does not declare" in answer.json()["error"]["message"]
    finally:
        other.close()


def test_breaker_reset_and_open_over_the_api(client, as_scope, ops_app):
    _trip(ops_app)
    assert ops_app.breaker_state("gateway") == "open"
    assert (
        client.post("/api/v1/breakers/gateway/reset", headers=as_scope("write")).status_code == 403
    )
    reset = client.post("/api/v1/breakers/gateway/reset", headers=as_scope("admin")).json()
    assert reset == {"name": "gateway", "state": "closed", "changed": True}
    assert ops_app.breaker_state("gateway") == "closed"
    again = client.post("/api/v1/breakers/gateway/reset", headers=as_scope("admin")).json()
    assert again["changed"] is False
    opened = client.post("/api/v1/breakers/gateway/open", headers=as_scope("admin")).json()
    assert opened["state"] == "open" and ops_app.breaker_state("gateway") == "open"
    assert client.post("/api/v1/breakers/nope/open", headers=as_scope("admin")).status_code == 404
    assert ("breaker.reset", "gateway") in _audit(ops_app)
    assert ("breaker.open", "gateway") in _audit(ops_app)


def test_operations_buttons_confirm_then_act(client, tokens, ops_app):
    _trip(ops_app)
    csrf = _csrf(client, tokens["admin"])
    page = client.get("/dashboard/operations").text
    for ident in (
        "breaker-reset-gateway",
        "schedule-pause-yearly_report",
        "schedule-trigger-yearly_report",
    ):
        assert f'id="{ident}"' in page
    assert "at 00:00 Europe/Paris on 1 January" in page
    row = page.split('data-schedule="yearly_report"')[1].split("</tr>")[0]
    assert row.count("then ") == 2
    form = {
        "verb": "breaker-reset",
        "breaker": "gateway",
        "csrf": csrf,
        "back": "/dashboard/operations",
    }
    asked = client.post("/dashboard/actions", data=form)
    assert asked.status_code == 200 and "Reset circuit breaker" in asked.text
    assert ops_app.breaker_state("gateway") == "open"
    done = client.post("/dashboard/actions", data={**form, "confirm": "1"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/dashboard/operations"
    assert ops_app.breaker_state("gateway") == "closed"
    pause = {"verb": "schedule-pause", "schedule": "yearly_report", "csrf": csrf, "confirm": "1"}
    assert client.post("/dashboard/actions", data=pause, follow_redirects=False).status_code == 303
    assert _schedule(ops_app, "yearly_report").paused is True
    assert 'id="schedule-resume-yearly_report"' in client.get("/dashboard/operations").text
    trigger = {**pause, "verb": "schedule-trigger"}
    client.post("/dashboard/actions", data=trigger, follow_redirects=False)
    runs = [r.id for r in ops_app.list(workflow="yearly_report")]
    assert len(runs) == 1 and runs[0].startswith("yearly_report@manual:")
    audit = [a for a, _ in _audit(ops_app)]
    assert {"breaker.reset", "schedule.pause", "schedule.trigger"} <= set(audit)


@pytest.mark.parametrize(
    "form",
    [
        {"verb": "breaker-reset", "breaker": "gateway", "confirm": "1"},
        {"verb": "breaker-reset", "breaker": "gateway", "confirm": "1", "csrf": "forged"},
        {"verb": "schedule-trigger", "schedule": "yearly_report", "confirm": "1", "csrf": "x"},
        {"verb": "schedule-pause", "schedule": "yearly_report", "confirm": "1"},
    ],
)
def test_a_missing_or_forged_csrf_token_writes_nothing(client, tokens, ops_app, form):
    _trip(ops_app)
    _csrf(client, tokens["admin"])
    before = _audit(ops_app)
    response = client.post("/dashboard/actions", data=form, follow_redirects=False)
    assert response.status_code == 403 and "CSRF" in response.text
    assert ops_app.breaker_state("gateway") == "open"
    assert _schedule(ops_app, "yearly_report").paused is False
    assert ops_app.list(workflow="yearly_report") == []
    assert _audit(ops_app) == before


def test_a_write_token_sees_no_buttons_and_is_refused(client, tokens, ops_app):
    _trip(ops_app)
    client.cookies.set("podium_token", tokens["write"])
    page = client.get("/dashboard/operations").text
    assert "breaker-reset-gateway" not in page and "schedule-trigger" not in page
    cookie = client.cookies.get("podium_csrf")
    form = {"verb": "breaker-reset", "breaker": "gateway", "confirm": "1", "csrf": cookie}
    assert client.post("/dashboard/actions", data=form).status_code == 403
    assert ops_app.breaker_state("gateway") == "open"


def test_an_unknown_breaker_or_schedule_gets_a_page_not_a_traceback(client, tokens, ops_app):
    csrf = _csrf(client, tokens["admin"])
    for form in (
        {"verb": "breaker-open", "breaker": "nope", "csrf": csrf},
        {"verb": "schedule-trigger", "schedule": "nope", "csrf": csrf},
    ):
        answer = client.post("/dashboard/actions", data=form)
        assert answer.status_code == 404 and 'id="action-error"' in answer.text
        assert "nope" in answer.text and "Traceback" not in answer.text


def test_run_now_of_another_apps_schedule_is_refused_before_the_confirmation(
    tokens, ops_app, tmp_path
):
    from fastapi.testclient import TestClient

    from podium.server import create_app

    other = podium.App("other", database_url=f"sqlite:///{tmp_path / 'server.db'}")
    try:
        with TestClient(create_app(other), raise_server_exceptions=False) as c:
            c.cookies.set("podium_token", tokens["admin"])
            found = CSRF.search(c.get("/dashboard/operations").text)
            assert found
            form = {"verb": "schedule-trigger", "schedule": "yearly_report", "csrf": found.group(1)}
            asked = c.post("/dashboard/actions", data=form)
        assert asked.status_code == 400 and "does not declare" in asked.text
        assert 'id="confirm"' not in asked.text
        assert ops_app.list(workflow="yearly_report") == []
    finally:
        other.close()
