"""Remediation rules: once per cooldown, dry runs record only, one evaluator per tick."""

from typing import Any

import pytest

import podium
from podium import errors
from podium.clock import FakeClock
from podium.intelligence import actions, conditions
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


def flaky_payments(app: podium.App, fail: set[int]) -> podium.App:
    """A `charge` step that fails (no retry) for the order numbers in `fail`."""

    @app.step(retry=podium.RetryPolicy(max_attempts=1))
    def charge(n: int) -> int:
        if n in fail:
            raise ConnectionError("payment provider unavailable")
        return n

    @app.workflow
    def checkout(n: int) -> int:
        return charge(n)

    return app


def run_orders(app: podium.App, orders: range) -> None:
    for n in orders:
        try:
            app.run("checkout", n)
        except podium.WorkflowFailed:
            pass
    app.scaling()  # flushes this process's telemetry


def test_a_failure_rate_condition_fires_on_telemetry_and_respects_min_count(app_factory):
    clock = FakeClock(START)
    app = flaky_payments(app_factory(clock=clock), fail=set(range(100, 130)))
    app.telemetry(flush_interval=1.0, score=False)
    app.circuit_breaker("payments")
    rate = conditions.FailureRate("charge", above=0.2, over=300, min_count=20)
    app.remediate("charge-failing", when=rate, do=actions.open_breaker("payments"))
    run_orders(app, range(0, 15))  # 15 ends, none failed
    assert tick(app) == []
    clock.advance(remediation.TICK)
    run_orders(app, range(100, 110))  # 10 failed of 25: 40%
    [decision] = tick(app)
    assert decision.condition == (
        "step charge: 10 of 25 attempts failed (40%) in the last 5 min, above 20%"
    )
    assert app.breaker_state("payments") == "open"


def test_a_failure_rate_needs_min_count_and_forgets_old_minutes(app_factory):
    clock = FakeClock(START)
    app = flaky_payments(app_factory(clock=clock), fail=set(range(100, 130)))
    app.telemetry(flush_interval=1.0, score=False)
    app.remediate(
        "flow-failing",
        when=conditions.FailureRate("workflow:checkout", above=0.5, over=120, min_count=8),
        do=actions.publish("checkout-failing"),
        dry_run=True,
    )
    run_orders(app, range(100, 105))  # 5 of 5 failed: too few to judge
    assert tick(app) == []
    clock.advance(remediation.TICK)
    run_orders(app, range(105, 110))  # 10 of 10
    [decision] = tick(app)
    assert decision.condition.startswith("workflow checkout: 10 of 10 runs failed (100%)")
    clock.advance(600)  # the failures left the window; new runs succeed
    run_orders(app, range(0, 20))
    assert tick(app) == []


def test_a_failure_rate_rejects_bad_settings_by_name():
    cases: list[tuple[dict[str, Any], str]] = [
        ({"series": "", "above": 0.2}, "series"),
        ({"series": "queue:q", "above": 0.2}, "kind"),
        ({"series": "charge", "above": 1.5}, "above"),
        ({"series": "charge", "above": 0.2, "over": 0}, "over"),
        ({"series": "charge", "above": 0.2, "min_count": 0}, "min_count"),
    ]
    for kwargs, named in cases:
        with pytest.raises(errors.ConfigurationError, match=named):
            conditions.FailureRate(**kwargs)


def test_breaker_recovered_holds_only_after_an_opened_breaker_closed_again(app_factory):
    clock = FakeClock(START)
    app = app_factory(clock=clock)
    app.circuit_breaker("kb")
    seen: list[bool] = []

    def watch(s: remediation.Signals) -> bool:
        seen.append(s.breaker_recovered("kb", for_seconds=60, within=600))
        return False

    app.remediate("watch", when=watch, do=actions.publish("never"))
    remediation.perform(app.runtime, actions.close_breaker("kb"), "setup")  # known, never opened
    clock.advance(120)
    tick(app)
    remediation.perform(app.runtime, actions.open_breaker("kb"), "down")
    clock.advance(remediation.TICK)
    tick(app)
    remediation.perform(app.runtime, actions.close_breaker("kb"), "up")
    for _ in range(8):  # 10 s steps: closed again 10 to 80 s ago
        clock.advance(remediation.TICK)
        tick(app)
    clock.advance(600)
    tick(app)
    assert seen == [False, False] + [False] * 5 + [True] * 3 + [False]


def test_a_quiet_tick_writes_only_the_claim_not_a_row_per_rule(app_factory):
    from podium.store import remediation as remediation_store

    clock = FakeClock(START)
    app = app_factory(clock=clock)
    for k in range(5):
        app.remediate(f"quiet-{k}", when=lambda s: False, do=actions.publish("never"))
    app.remediate("loud", when=lambda s: True, do=actions.publish("loud"), cooldown=0)
    book = app.store.feature(remediation_store.RemediationStore)
    names = [r.name for r in app.rules.all()]
    for _ in range(3):
        assert [d.rule for d in tick(app)] == ["loud"]
        assert tick(app) == []  # the same tick again: claimed already
        clock.advance(remediation.TICK)
    rows = book.rules()
    assert sorted(rows) == sorted(names)  # the claim row is not a rule
    assert all(rows[f"quiet-{k}"].tick == -1 for k in range(5))  # never written after creation
    assert rows["loud"].fires == 3
    assert book.evaluated(names) == int((START + 2 * remediation.TICK) // remediation.TICK)
