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
