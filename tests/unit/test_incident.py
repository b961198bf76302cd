"""The incident scenario of `podium demo --incident`, with and without its rules."""

import pytest

from podium import errors

pytest.importorskip("numpy")

from podium.cli import incident


def test_the_listener_hears_the_timeline_live_and_rules_make_the_difference():
    heard: list[incident.Event] = []
    fixed = incident.run(incident.Scenario(per_minute=2, after=8), heard.append)
    assert heard == fixed.events
    kinds = [e.kind for e in heard]
    assert kinds.index("incident") < kinds.index("decision") < kinds.index("recovery")
    assert fixed.failed == 0 and fixed.recovered_at is not None
    left = incident.run(incident.Scenario(per_minute=2, after=8, remediate=False))
    assert left.failed > 0 and left.recovered_at is None
    assert left.first("decision") is None and left.first("anomaly") is not None
    assert left.calls_while_down > fixed.calls_while_down


def test_a_scenario_too_short_for_the_detector_is_refused():
    with pytest.raises(errors.ConfigurationError, match="warmup=30"):
        incident.Scenario(warmup=30)
    with pytest.raises(errors.ConfigurationError, match="per_minute=1"):
        incident.Scenario(per_minute=1)


def test_the_demo_without_numpy_names_the_extra(monkeypatch, capsys):
    import importlib.util

    from podium import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "numpy" else real(name, *a)
    )
    assert cli.main(["demo", "--incident"]) == 2
    assert "pip install 'podium[ai]'" in capsys.readouterr().err


def test_a_kept_store_holds_the_anomaly_the_decisions_and_the_retried_checkouts(tmp_path):
    import podium

    kept = tmp_path / "incident.db"
    report = incident.run(incident.Scenario(per_minute=2, after=8, keep=str(kept)))
    app = podium.App("dashboard", database_url=f"sqlite:///{kept}")
    try:
        assert [a.series for a in app.anomalies()] and all(a.message for a in app.anomalies())
        rules = {d.rule for d in app.remediations()}
        assert {"payments-failing", "retry-checkouts"} <= rules
        checkouts = app.store.list_workflows(workflow="checkout", limit=10_000)
        assert len(checkouts) == report.checkouts
        retried = [w for w in checkouts if w.runs > 1]
        assert len(retried) == report.retried > 0
        assert all(w.status == "completed" for w in retried)
    finally:
        app.close()


def test_a_kept_store_is_never_written_over(tmp_path):
    kept = tmp_path / "incident.db"
    kept.write_bytes(b"someone's data")
    from podium import cli

    assert cli.main(["demo", "--incident", "--database-url", f"sqlite:///{kept}"]) == 2
    assert kept.read_bytes() == b"someone's data"
