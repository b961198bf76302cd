"""Remediation rules: once per cooldown, dry runs record only, one evaluator per tick."""

from typing import Any

import podium
from podium.clock import FakeClock
from podium.intelligence import actions
from podium.patterns import remediation

START = 1_700_000_000.0


def tick(app: podium.App) -> list[remediation.Decision]:
    rt = app.runtime
    return remediation.evaluate(rt, app.rules, app.served_queues(), rt.clock.time())


def test_a_rule_fires_once_per_cooldown_and_its_state_survives_a_restart(app_factory):
    clock = FakeClock(START)
    app = app_factory(clock=clock)
    app.remediate("stop-q", when=lambda s: "always", do=actions.pause_queue("q"), cooldown=60)
    made = tick(app)
    assert [(d.rule, d.condition, d.dry_run) for d in made] == [("stop-q", "always", False)]
    assert app.paused_queues() == ["q"]
    assert tick(app) == []  # the same tick: already evaluated
    clock.advance(remediation.TICK)
    assert tick(app) == []  # inside the cooldown
    again = app_factory(clock=clock)  # a restarted process: the cooldown is in the store
    again.remediate("stop-q", when=lambda s: True, do=actions.pause_queue("q"), cooldown=60)
    clock.advance(remediation.TICK)
    assert tick(again) == []
    clock.advance(60)
    assert [d.rule for d in tick(again)] == ["stop-q"]
    log = app.remediations()
    assert [(d.rule, d.action, d.result) for d in log] == [
        ("stop-q", "pause queue 'q'", "queue 'q' paused"),
        ("stop-q", "pause queue 'q'", "queue 'q' paused"),
    ]


def test_a_dry_run_records_the_decision_and_changes_nothing(app_factory):
    clock = FakeClock(START)
    app = app_factory(clock=clock)
    app.circuit_breaker("payments")
    app.remediate(
        "open-payments",
        when=lambda s: s.breaker_closed("payments"),
        do=actions.open_breaker("payments"),
        dry_run=True,
    )
    made = tick(app)
    assert [(d.dry_run, d.result) for d in made] == [(True, "dry run: nothing changed")]
    assert app.breaker_state("payments") == "closed"
    [logged] = app.remediations()
    assert logged.dry_run and logged.action == "open breaker 'payments'"


def test_an_action_opens_a_breaker_and_a_callable_gets_the_app(app_factory):
    clock = FakeClock(START)
    app = app_factory(clock=clock)
    app.circuit_breaker("payments")
    seen: list[Any] = []
    app.remediate("open", when=lambda s: True, do=actions.open_breaker("payments"))
    app.remediate("call", when=lambda s: s.breaker_open("payments"), do=seen.append)
    tick(app)
    assert app.breaker_state("payments") == "open"
    clock.advance(remediation.TICK)
    tick(app)
    assert seen == [app]
    assert {d.rule for d in app.remediations()} == {"open", "call"}


def test_one_evaluator_per_tick_across_two_apps_on_one_store(app_factory):
    clock = FakeClock(START)
    calls: list[str] = []
    apps = [app_factory(clock=clock), app_factory(clock=clock)]

    def condition(signals: remediation.Signals) -> bool:
        calls.append("evaluated")
        return True

    for a in apps:
        a.remediate("count", when=condition, do=actions.publish("remediated"), cooldown=0)
    for _ in range(3):
        for a in apps:
            tick(a)
        clock.advance(remediation.TICK)
    assert len(calls) == 3
    assert len(apps[1].remediations()) == 3
