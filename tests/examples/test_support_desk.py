"""examples/support_desk.py end to end on SQLite: routing, machines, anomalies, remediation."""

import pytest

pytest.importorskip("numpy")

from examples import support_desk


def test_a_simulated_morning_routes_escalates_detects_and_remediates():
    morning = support_desk.simulate(minutes=84, per_minute=2, outage=(72, 80))
    assert set(morning.lanes) == {"urgent", "normal"}
    assert morning.states == {"completed": 84 * 2}
    assert morning.escalated_during_outage >= 3
    assert any(m.startswith("step draft_reply: p95 latency") for m in morning.anomalies)
    rules = [d.split(" ", 1)[1] for d in morning.decisions]
    assert rules[0] == "kb-failing: breaker 'kb' is now open"
    assert rules[-1].startswith("kb-back: event")


def test_an_angry_ticket_goes_to_the_senior_agents_first():
    text = "I was charged twice, this is a scam, terrible service."
    assert support_desk.router.route(text) == "urgent"
    assert support_desk.router.queue("urgent") == "senior-agents"
    assert support_desk.router.priority_of["urgent"] == 10
    assert support_desk.router.route("Where can I find the size guide?") == "normal"
