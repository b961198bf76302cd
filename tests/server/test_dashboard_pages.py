"""The Workers page, the Intelligence page (remediations, anomalies) and a page without an id."""

from __future__ import annotations

import time

import podium
from podium.store import base
from tests.server.login import login


def test_workers_page_lists_live_and_expired_workers(client, tokens, app: podium.App, wait_until):
    now = time.time()
    dead = base.WorkerInfo("box:9:gone", "shop", ("mail",), ("send",), now - 90, now - 60, now - 30)
    app.store.beat_worker(dead, dead.beat_at)
    login(client, tokens["read"])
    with app.worker(1):
        wait_until(lambda: app.store.live_workers(time.time()))
        html = client.get("/dashboard/workers").text
        owner = app.store.live_workers(time.time())[0].owner
    assert 'id="nav-workers"' in html and "<h1>Workers</h1>" in html
    live_row = html.split(f'data-worker="{owner}"')[1].split("</tr>")[0]
    assert "worker-live" in live_row and "serverapp" in live_row and "checkout" in live_row
    gone_row = html.split('data-worker="box:9:gone"')[1].split("</tr>")[0]
    assert "worker-expired" in gone_row and "mail" in gone_row and "send" in gone_row
    assert "1 live, 1 expired" in html
    partial = client.get("/dashboard/workers", headers={"X-Podium-Partial": "1"})
    assert partial.text.startswith("<div data-live")


def test_workers_page_needs_a_login(client):
    assert client.get("/dashboard/workers", follow_redirects=False).status_code == 303


def spiky_queue(app: podium.App, now: float | None = None) -> float:
    """Two hours of queue `mail` waits near 0.5 s, then 30 s in the last complete minute."""
    from podium.patterns import telemetry
    from podium.store import telemetry as telemetry_store

    now = time.time() if now is None else now
    last = telemetry.minute_of(now) - 60
    rows = [
        telemetry_store.RollupRow(
            "queue:mail",
            minute,
            "p1",
            arrivals=5,
            wait_sum=30.0 if minute == last else 0.5 + (minute % 7) / 100,
            wait_count=1,
        )
        for minute in range(last - 120 * 60, last + 60, 60)
    ]
    app.store.feature(telemetry_store.TelemetryStore).put(rows, now)
    return now


def test_intelligence_page_shows_rules_firings_and_marked_anomalies(
    client, tokens, app: podium.App
):
    from podium.intelligence import actions
    from podium.patterns import insight, remediation

    now = spiky_queue(app)
    found = insight.Scorer(app.runtime, 0.0).run_once(now)
    assert [a.series for a in found] == ["queue:mail:wait"], found
    app.remediate(
        "hold-mail",
        when=lambda s: "wait on mail is high",
        do=actions.pause_queue("mail"),
        cooldown=600,
        dry_run=True,
    )
    app.remediate("quiet", when=lambda s: False, do=actions.resume_queue("mail"))
    rt = app.runtime
    remediation.evaluate(rt, app.rules, app.served_queues(), rt.clock.time())
    assert app.paused_queues() == []  # a dry run changes nothing
    login(client, tokens["read"])
    html = client.get("/dashboard/intelligence").text
    assert 'id="nav-intelligence"' in html and "<h1>Intelligence</h1>" in html
    rule = html.split('<tr class="rule" data-rule="hold-mail">')[1].split("</tr>")[0]
    assert "pause queue &#x27;mail&#x27;" in rule and "dry run" in rule and "10 min 0 s" in rule
    assert "never" not in rule.split("</td>")[-3]  # it fired
    quiet = html.split('data-rule="quiet">')[1].split("</tr>")[0]
    assert quiet.count("never") == 1  # evaluated, never fired
    firing = html.split('<tr class="firing"')[1].split("</tr>")[0]
    assert "wait on mail is high" in firing and "dry run: nothing changed" in firing
    chart = html.split('<figure class="chart" data-series="queue:mail:wait">')[1]
    chart = chart.split("</figure>")[0]
    assert chart.count('<circle class="anomaly"') == 1 and "<title>" in chart
    assert "queue mail: queue wait 30.0 s" in chart
    assert "1 anomaly in the last 6 hours" in html and "chart-axis" in html


def test_intelligence_page_without_data_says_so(client, tokens):
    login(client, tokens["read"])
    html = client.get("/dashboard/intelligence").text
    assert "No remediation rules" in html and "No rule has fired yet." in html
    assert "No telemetry in the last 6 hours" in html


def test_a_workflow_page_without_an_id_goes_to_the_workflow_list(client, tokens):
    login(client, tokens["read"])
    for path in ("/dashboard/workflows", "/dashboard/workflows/", "/dashboard/workflows/%20"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "No workflow has the id" not in page.text
        assert str(page.url).endswith("/dashboard"), (path, page.url)
    assert client.get("/dashboard/workflows/nope").status_code == 404
