"""GET /api/v1/anomalies, GET /api/v1/scaling and the podium_desired_workers gauge."""

from __future__ import annotations

import pytest

from podium.patterns import insight
from podium.store import telemetry as telemetry_store

from .test_api import assert_error


def test_anomalies_and_scaling_over_http(client, as_scope, app) -> None:
    read = as_scope("read")
    assert client.get("/api/v1/anomalies", headers=read).json() == []
    book = app.store.feature(telemetry_store.TelemetryStore)
    message = insight.describe("step:charge:latency_p95", 2.4, 0.12, 1_700_000_040.0)
    book.add_anomaly("step:charge:latency_p95", 1_700_000_040.0, 2.4, 0.12, 0.9, message, 1.0)
    found = client.get("/api/v1/anomalies", headers=read).json()
    assert [a["series"] for a in found] == ["step:charge:latency_p95"]
    assert found[0]["message"] == message and found[0]["at"].startswith("2023-11-14T22:14")
    later = client.get("/api/v1/anomalies?since=2024-01-01T00:00:00Z", headers=read).json()
    assert later == []
    advice = client.get("/api/v1/scaling", headers=read).json()
    assert "default" in advice and advice["default"]["desired_workers"] >= 1
    metrics = client.get("/metrics", headers=read).text
    assert 'podium_desired_workers{queue="default"} 1.0' in metrics


@pytest.mark.parametrize("query", ["limit=0", "limit=x", "since=yesterday"])
def test_bad_anomaly_queries_are_refused(client, as_scope, query) -> None:
    assert_error(client.get(f"/api/v1/anomalies?{query}", headers=as_scope("read")), 400)


def test_the_routes_need_a_token(client) -> None:
    assert client.get("/api/v1/scaling").status_code == 401


def test_cli_lists_anomalies_and_refuses_a_bad_time(app, capsys) -> None:
    from podium.cli import main

    book = app.store.feature(telemetry_store.TelemetryStore)
    book.add_anomaly("queue:q:wait", 1_700_000_040.0, 30.0, 0.5, 0.9, "queue q: wait", 1.0)
    url = app.settings.database_url
    assert main(["anomalies", "--database-url", url]) == 0
    assert "score 0.90  queue q: wait" in capsys.readouterr().out
    assert main(["anomalies", "--database-url", url, "--since", "nope"]) != 0
    assert "not an ISO time" in capsys.readouterr().err


def test_remediations_and_routed_starts_over_http(client, as_scope, app, capsys) -> None:
    from podium.cli import main
    from podium.intelligence import actions
    from podium.patterns import remediation

    read = as_scope("read")
    assert client.get("/api/v1/remediations", headers=read).json() == []
    app.remediate("hold", when=lambda s: "wait high", do=actions.pause_queue("q"), dry_run=True)
    rt = app.runtime
    remediation.evaluate(rt, app.rules, app.served_queues(), rt.clock.time())
    [found] = client.get("/api/v1/remediations", headers=read).json()
    assert (found["rule"], found["condition"], found["dry_run"]) == ("hold", "wait high", True)
    assert found["action"] == "pause queue 'q'" and found["at"].endswith("Z")
    assert_error(client.get("/api/v1/remediations?limit=0", headers=read), 400)
    router = app.router("desk", score=len, lanes={"short": (0, 5), "long": (5, 1000)})
    assert router.route("hi") == "short"
    app.remediations()
    router.start(app.registry.workflows[next(iter(app.registry.workflows))].name, text="hello!")
    metrics = client.get("/metrics", headers=read).text
    assert 'podium_routed_total{lane="long",router="desk"}' in metrics
    url = str(app.settings.database_url)
    assert main(["remediations", "--database-url", url]) == 0
    assert "hold: pause queue 'q'  (dry run)  when wait high" in capsys.readouterr().out
