"""Circuit breakers through the engine, on every store: shared state, fail fast, recovery."""

import threading
from typing import Any

import pytest

import podium
from podium import clock as clock_mod
from podium.patterns import circuit
from podium.store import breakers

from .conftest import AppFactory

QUICK = podium.RetryPolicy(max_attempts=3, initial_delay=0.01, backoff=1.0, jitter=False)


class Dependency:
    """A fake downstream service: counts calls, fails while `down`."""

    def __init__(self) -> None:
        self.down = False
        self.calls = 0

    def __call__(self, x: int = 0) -> int:
        self.calls += 1
        if self.down:
            raise ConnectionError("dependency down")
        return x


def guarded(app: podium.App, dep: Dependency, name: str = "charge", **options: Any) -> Any:
    """`dep` as a step of breaker "payments"."""
    return app.step(name=name, circuit="payments", **options)(dep)


def fail(step: Any, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ConnectionError):
            step()


def history(app: podium.App) -> list[tuple[str, str]]:
    return [(e.from_state, e.to_state) for e in circuit.transitions(app.store, "payments")]


@pytest.fixture
def clock() -> clock_mod.FakeClock:
    return clock_mod.FakeClock()


def test_opens_at_the_threshold_and_fails_fast_without_running(app_factory: AppFactory, clock):
    app = app_factory(clock=clock)
    app.circuit_breaker("payments", failure_threshold=0.5, min_calls=4, cooldown=30)
    dep = Dependency()
    charge = guarded(app, dep)
    assert charge(1) == 1
    assert charge(2) == 2
    dep.down = True
    fail(charge, 1)
    assert app.breaker_state("payments") == "closed"  # 1 of 3: below min_calls
    fail(charge, 1)
    assert app.breaker_state("payments") == "open"  # 2 of 4 = 50%
    with pytest.raises(podium.CircuitOpenError) as caught:
        charge(3)
    assert (caught.value.breaker, caught.value.retry_after) == ("payments", 30.0)
    assert dep.calls == 4
    [event] = circuit.transitions(app.store, "payments")
    assert (event.from_state, event.to_state, event.failure_rate) == ("closed", "open", 0.5)
    assert (event.calls, event.failures, event.at) == (4, 2, clock.time())


def test_a_healthy_rate_keeps_it_closed(app_factory: AppFactory, clock):
    app = app_factory(clock=clock)
    app.circuit_breaker("payments", failure_threshold=0.5, min_calls=4)
    dep = Dependency()
    charge = guarded(app, dep)
    for _ in range(3):
        charge()
        charge()
        dep.down = True
        fail(charge, 1)
        dep.down = False
    assert app.breaker_state("payments") == "closed"
    assert history(app) == []


def test_old_failures_leave_the_window(app_factory: AppFactory, clock):
    app = app_factory(clock=clock)
    app.circuit_breaker("payments", failure_threshold=0.5, min_calls=4, window=10)
    dep = Dependency()
    charge = guarded(app, dep)
    dep.down = True
    fail(charge, 3)
    clock.advance(11)  # the three failures are out of the window now
    fail(charge, 1)
    assert app.breaker_state("payments") == "closed"
    fail(charge, 3)
    assert app.breaker_state("payments") == "open"


def test_after_the_cooldown_a_trial_call_closes_it(app_factory: AppFactory, clock):
    app = app_factory(clock=clock)
    app.circuit_breaker("payments", min_calls=2, cooldown=30)
    dep = Dependency()
    charge = guarded(app, dep)
    dep.down = True
    fail(charge, 2)
    clock.advance(29)
    with pytest.raises(podium.CircuitOpenError):
        charge()
    clock.advance(1)
    assert app.breaker_state("payments") == "open"  # until a call arrives
    dep.down = False
    assert charge(7) == 7
    assert app.breaker_state("payments") == "closed"
    assert history(app) == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]
    assert dep.calls == 3
    assert charge(8) == 8  # counting starts afresh once closed


def test_a_failed_trial_reopens_for_another_cooldown(app_factory: AppFactory, clock):
    app = app_factory(clock=clock)
    app.circuit_breaker("payments", min_calls=2, cooldown=30)
    dep = Dependency()
    charge = guarded(app, dep)
    dep.down = True
    fail(charge, 2)
    clock.advance(30)
    fail(charge, 1)
    assert app.breaker_state("payments") == "open"
    with pytest.raises(podium.CircuitOpenError) as caught:
        charge()
    assert caught.value.retry_after == 30.0
    assert history(app) == [("closed", "open"), ("open", "half_open"), ("half_open", "open")]
    assert [e.reason for e in circuit.transitions(app.store)][-1] == "a trial call failed"


def test_a_second_app_on_the_same_store_fails_fast(app_factory: AppFactory):
    first, second = app_factory("first"), app_factory("second")
    deps = []
    for app in (first, second):
        app.circuit_breaker("payments", min_calls=3, cooldown=60)
        deps.append(Dependency())
    charge_first, charge_second = guarded(first, deps[0]), guarded(second, deps[1])
    deps[0].down = True
    fail(charge_first, 3)
    assert second.breaker_state("payments") == "open"
    with pytest.raises(podium.CircuitOpenError):
        charge_second(1)
    assert deps[1].calls == 0


def test_outcomes_of_two_apps_add_up_to_one_rate(app_factory: AppFactory, clock):
    first, second = app_factory("first", clock=clock), app_factory("second", clock=clock)
    deps = []
    for app in (first, second):
        app.circuit_breaker("payments", min_calls=4, failure_threshold=0.5)
        deps.append(Dependency())
        deps[-1].down = True
    fail(guarded(first, deps[0]), 2)
    fail(guarded(second, deps[1]), 1)
    assert first.breaker_state("payments") == "closed"
    fail(guarded(second, deps[1], name="charge2"), 1)  # the 4th failure, whichever app
    assert first.breaker_state("payments") == "open"


def test_half_open_admits_at_most_its_trial_calls_cluster_wide(app_factory: AppFactory, clock):
    apps = [app_factory("a", clock=clock), app_factory("b", clock=clock)]
    release, entered = threading.Event(), threading.Semaphore(0)
    down = Dependency()
    down.down = True
    steps = []
    for app in apps:
        app.circuit_breaker("payments", min_calls=2, cooldown=30, half_open_calls=2)

        @app.step(circuit="payments")
        def slow() -> str:
            entered.release()
            release.wait(10)
            return "ok"

        steps.append(slow)
    fail(guarded(apps[0], down), 2)
    clock.advance(30)
    results: list[str] = []
    threads = [threading.Thread(target=lambda s=s: results.append(s())) for s in steps]
    for t in threads:
        t.start()
    assert entered.acquire(timeout=10) and entered.acquire(timeout=10)
    with pytest.raises(podium.CircuitOpenError) as caught:
        steps[0]()  # both trial slots are taken, one by each app
    assert caught.value.retry_after == 3.0
    release.set()
    for t in threads:
        t.join(10)
    assert results == ["ok", "ok"]
    assert apps[1].breaker_state("payments") == "closed"


def test_a_workflow_without_retries_fails_fast(app: podium.App):
    app.circuit_breaker("payments", min_calls=1, cooldown=60)
    dep = Dependency()
    dep.down = True
    charge = guarded(app, dep)
    fail(charge, 1)

    @app.workflow
    def pay() -> int:
        return int(charge(5))

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(pay, id="p1")
    assert caught.value.error_type == "CircuitOpenError"
    assert dep.calls == 1
    [event] = app.store.load_history("p1")
    assert (event.name, event.status) == ("charge", "failed")


def test_a_workflow_with_retries_waits_out_the_cooldown(app: podium.App):
    app.circuit_breaker("payments", min_calls=1, cooldown=0.5)
    dep = Dependency()
    dep.down = True
    fail(guarded(app, dep, name="probe"), 1)
    dep.down = False
    charge = guarded(app, dep, retry=podium.RetryPolicy(max_attempts=2, initial_delay=0.01))

    @app.workflow
    def pay() -> int:
        return int(charge(5))

    assert app.run(pay, id="p2") == 5
    attempts = app.store.load_attempts("p2")
    assert attempts and {a.error_type for a in attempts} == {"CircuitOpenError"}
    assert all(a.retry_at is not None and a.retry_at > a.finished_at for a in attempts)
    [event] = app.store.load_history("p2")
    assert (event.status, event.attempt) == ("completed", len(attempts) + 1)
    assert app.breaker_state("payments") == "closed"
    assert dep.calls == 2


def test_refusals_do_not_use_up_attempts(app: podium.App):
    app.circuit_breaker("payments", min_calls=1, failure_threshold=1.0, cooldown=0.3)
    runs: list[int] = []

    @app.step(circuit="payments", retry=QUICK)
    def flaky() -> str:
        runs.append(1)
        if len(runs) < 3:
            raise ConnectionError(f"run {len(runs)} failed")
        return "ok"

    @app.workflow
    def pay() -> str:
        return str(flaky())

    assert app.run(pay, id="p3") == "ok"
    assert len(runs) == 3  # max_attempts=3 real runs, refusals in between
    assert [a.error_type for a in app.store.load_attempts("p3")] == [
        "ConnectionError",
        "CircuitOpenError",
        "ConnectionError",
        "CircuitOpenError",
    ]
    assert history(app) == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
    ]


def test_async_steps_go_through_the_breaker(app: podium.App):
    app.circuit_breaker("payments", min_calls=2, cooldown=60)
    calls: list[int] = []

    @app.step(circuit="payments")
    async def charge(x: int) -> int:
        calls.append(x)
        raise ConnectionError("down")

    @app.workflow
    async def pay(x: int) -> str:
        try:
            await charge(x)
        except ConnectionError:
            return "failed"
        except podium.CircuitOpenError:
            return "refused"
        return "ok"

    assert [app.run(pay, n, id=f"a{n}") for n in range(3)] == ["failed", "failed", "refused"]
    assert calls == [0, 1]


def test_outcomes_from_many_threads_are_all_counted(app: podium.App, store_url: str):
    app.circuit_breaker("payments", min_calls=10_000)
    dep = Dependency()
    charge = guarded(app, dep)

    def work() -> None:
        for i in range(25):
            charge(i)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    policy = app.breakers.lookup("payments").policy
    store = breakers.Breakers(app.store.connector)
    calls, failures = store.window("payments", 0, policy.first_bucket(app.runtime.clock.time()))
    assert (calls, failures) == (200, 0)


def test_racing_transitions_let_exactly_one_win(app: podium.App):
    store = breakers.Breakers(app.store.connector)
    store.create("payments", 1.0)
    seen = store.get("payments")
    assert seen is not None
    change = breakers.Change("open", "test")
    wins: list[bool] = []
    threads = [
        threading.Thread(
            target=lambda: wins.append(store.transition("payments", seen, change, 2.0))
        )
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(wins) == [False] * 5 + [True]
    assert len(store.events("payments")) == 1


def test_a_trial_holder_keeps_its_slot(app: podium.App):
    store = breakers.Breakers(app.store.connector)
    store.create("payments", 1.0)
    assert store.transition(
        "payments", breakers.Snapshot("closed", 0, 1.0), breakers.Change("half_open", "t"), 2.0
    )
    assert store.claim_trial("payments", 1, "wf#3", 1, 3.0)
    assert store.claim_trial("payments", 1, "wf#3", 1, 4.0)  # the same position again
    assert not store.claim_trial("payments", 1, "other", 1, 4.0)
    assert store.trial_succeeded("payments", 1, "wf#3") == 1
    assert store.trial_succeeded("payments", 1, "wf#3") is None  # counted once


def test_declarations_are_checked(app: podium.App):
    with pytest.raises(podium.ConfigurationError, match="no circuit breaker named 'nope'"):
        app.step(name="x", circuit="nope")(Dependency())
    with pytest.raises(podium.ConfigurationError, match="no circuit breaker named 'nope'"):
        app.breaker_state("nope")
    first = app.circuit_breaker("payments", cooldown=5)
    assert app.circuit_breaker("payments", cooldown=5) is first
    with pytest.raises(podium.ConfigurationError, match="already declared"):
        app.circuit_breaker("payments", cooldown=6)
    with pytest.raises(podium.ConfigurationError, match="min_calls"):
        app.circuit_breaker("other", min_calls=0)
    assert app.breaker_state("payments") == "closed"


def test_every_transition_is_logged(app: podium.App, caplog):
    app.circuit_breaker("payments", min_calls=1, cooldown=60)
    dep = Dependency()
    dep.down = True
    with caplog.at_level("INFO", logger="podium"):
        fail(guarded(app, dep), 1)
    assert "circuit breaker 'payments': closed -> open (failure rate 100% of 1 calls" in caplog.text


def test_an_outcome_that_cannot_be_recorded_leaves_the_call_s_own(
    app: podium.App, caplog, monkeypatch
):
    breaker = app.circuit_breaker("payments", min_calls=1, cooldown=60)

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("store away")

    monkeypatch.setattr(breaker, "record", broken)
    dep = Dependency()
    charge = guarded(app, dep)
    with caplog.at_level("WARNING", logger="podium"):
        assert charge(5) == 5
        dep.down = True
        fail(charge, 1)  # the step's own error, not the recording's
    warning = "circuit breaker 'payments': outcome not recorded (RuntimeError: store away)"
    assert caplog.text.count(warning) == 2
    assert app.breaker_state("payments") == "closed"  # nothing was counted
