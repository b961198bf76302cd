"""The circuit breaker's policy: pure decisions over a state snapshot (no store, no clock)."""

import dataclasses

import pytest

import podium
from podium import errors
from podium.engine import stepcall
from podium.patterns import retry
from podium.patterns.circuit import CLOSED, HALF_OPEN, OPEN, Admit, BreakerPolicy, Refuse, Window
from podium.store import base
from podium.store.breakers import Change, Snapshot

POLICY = BreakerPolicy(failure_threshold=0.5, min_calls=4, window=60.0, cooldown=30.0)
T0 = 1000.0


def snap(state: str, since: float = T0, **fields: int) -> Snapshot:
    return Snapshot(state, generation=7, since=since, **fields)


def apply(state: Snapshot, change: Change | None, now: float) -> Snapshot:
    """What the store does with a transition: the next generation, counts reset."""
    if change is None:
        return state
    return Snapshot(change.to_state, state.generation + 1, now)


@pytest.mark.parametrize(
    "options",
    [
        {"failure_threshold": 0},
        {"failure_threshold": 1.5},
        {"failure_threshold": float("nan")},
        {"min_calls": 0},
        {"min_calls": 2.5},
        {"half_open_calls": 0},
        {"window": 0},
        {"cooldown": -1},
        {"cooldown": True},
        {"window": float("inf")},
    ],
)
def test_invalid_policy_is_a_configuration_error(options):
    with pytest.raises(podium.ConfigurationError, match="invalid circuit breaker"):
        BreakerPolicy(**options)


def test_policy_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        POLICY.cooldown = 1.0  # type: ignore[misc]


def test_closed_admits_every_call():
    assert POLICY.admission(snap(CLOSED), T0 + 5) == Admit(trial=False)


def test_open_refuses_with_the_remaining_cooldown():
    assert POLICY.admission(snap(OPEN), T0 + 10) == Refuse(20.0)
    assert POLICY.admission(snap(OPEN), T0 + 29.5) == Refuse(0.5)


def test_open_moves_to_half_open_when_the_cooldown_is_over():
    change = POLICY.admission(snap(OPEN), T0 + 30)
    assert isinstance(change, Change)
    assert change.to_state == HALF_OPEN
    assert "cooldown of 30s" in change.reason


def test_half_open_admits_trials_until_they_time_out():
    assert POLICY.admission(snap(HALF_OPEN), T0 + 1) == Admit(trial=True)
    assert POLICY.trial_timeout == 60.0  # max(cooldown, window)
    change = POLICY.admission(snap(HALF_OPEN), T0 + 60)
    assert isinstance(change, Change)
    assert change.to_state == OPEN
    assert "no trial call reported" in change.reason


def test_a_call_finding_every_trial_slot_taken_retries_soon():
    assert POLICY.busy(snap(HALF_OPEN, trials=1), T0 + 1) == Refuse(3.0)  # cooldown / 10
    assert POLICY.busy(snap(HALF_OPEN, trials=1), T0 + 59) == Refuse(1.0)  # trials time out


def test_closed_stays_closed_below_min_calls():
    assert POLICY.on_outcome(snap(CLOSED), False, Window(calls=3, failures=3)) is None


def test_closed_stays_closed_below_the_threshold():
    assert POLICY.on_outcome(snap(CLOSED), False, Window(calls=10, failures=4)) is None


def test_closed_opens_at_the_threshold_and_records_the_rate():
    change = POLICY.on_outcome(snap(CLOSED), False, Window(calls=4, failures=2))
    assert change == Change(
        OPEN, "failure rate 50% of 4 calls in the last 60s reached 50%", 0.5, 4, 2
    )


def test_a_success_never_opens():
    assert POLICY.on_outcome(snap(CLOSED), True, Window(calls=4, failures=4)) is None


def test_outcomes_of_calls_admitted_before_opening_change_nothing():
    assert POLICY.on_outcome(snap(OPEN), False, Window(calls=9, failures=9)) is None


def test_a_failed_trial_reopens():
    change = POLICY.on_outcome(snap(HALF_OPEN, trials=1), False)
    assert change is not None
    assert (change.to_state, change.reason) == (OPEN, "a trial call failed")


def test_half_open_closes_when_every_trial_succeeded():
    two = dataclasses.replace(POLICY, half_open_calls=2)
    assert two.on_outcome(snap(HALF_OPEN, trials=2, successes=1), True) is None
    change = two.on_outcome(snap(HALF_OPEN, trials=2, successes=2), True)
    assert change is not None
    assert (change.to_state, change.reason) == (CLOSED, "2 trial call(s) succeeded")


def test_unknown_state_is_an_error():
    with pytest.raises(ValueError, match="unknown circuit breaker state"):
        POLICY.admission(snap("ajar"), T0)


def test_window_is_counted_in_tenths():
    assert POLICY.bucket(0.0) == 0
    assert POLICY.bucket(5.99) == 0
    assert POLICY.bucket(6.0) == 1
    assert POLICY.first_bucket(60.0) == 1  # buckets 1..10 cover (0, 66]
    assert Window(0, 0).rate == 0.0
    assert Window(4, 1).rate == 0.25


def test_the_whole_pattern_as_a_fold_of_pure_decisions():
    state, now, seen = Snapshot(CLOSED, 0, T0), T0, [CLOSED]
    for failures in (1, 2, 3, 4):  # four failures out of four calls: opens at min_calls
        state = apply(state, POLICY.on_outcome(state, False, Window(failures, failures)), now)
    seen.append(state.state)
    assert isinstance(POLICY.admission(state, now + 29), Refuse)
    now += 30
    state = apply(state, POLICY.admission(state, now), now)  # type: ignore[arg-type]
    seen.append(state.state)
    assert POLICY.admission(state, now) == Admit(trial=True)
    trial = dataclasses.replace(state, trials=1, successes=1)
    state = apply(state, POLICY.on_outcome(trial, True), now)
    seen.append(state.state)
    assert seen == [CLOSED, OPEN, HALF_OPEN, CLOSED]
    assert state.generation == 3


def test_retry_policy_waits_out_an_open_breaker_whatever_the_attempt():
    policy = podium.RetryPolicy(max_attempts=2, initial_delay=0.1, jitter=True)
    refused = podium.CircuitOpenError("payments", 12.5)
    assert all(policy.should_retry(n, refused) for n in (1, 2, 50))
    assert all(policy.delay_for(n, refused) >= 12.5 for n in (1, 2, 3))
    assert policy.delay_for(1, refused, rand=lambda: 1.0) == 12.5


def test_without_retries_or_when_listed_non_retryable_an_open_breaker_fails():
    refused = podium.CircuitOpenError("payments", 1.0)
    assert not retry.NO_RETRY.should_retry(1, refused)
    policy = podium.RetryPolicy(max_attempts=5, non_retryable=(podium.CircuitOpenError,))
    assert not policy.should_retry(1, refused)


def test_refusals_are_counted_from_the_attempts_by_type():
    def attempt(n: int, error_type: str) -> base.Attempt:
        return base.Attempt("w", 0, n, "charge", error_type, "", 0.0, 0.0, 1.0)

    attempts = [attempt(1, "ConnectionError"), attempt(2, "CircuitOpenError")]
    assert stepcall._refusals(attempts) == 1
    assert stepcall._refusals([]) == 0
    assert "CircuitOpenError" in errors.refusals()
