"""RetryPolicy: pure decisions (delay_for, should_retry) and validation at construction."""

import dataclasses
import random

import pytest

import podium
from podium.patterns.retry import NO_RETRY


class Throttled(Exception):
    """An error that asks for a minimum wait, like an HTTP 429 with Retry-After."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("slow down")
        self.retry_after = retry_after


def test_delay_grows_exponentially():
    policy = podium.RetryPolicy(initial_delay=0.5, backoff=3.0, max_delay=1000, jitter=False)
    assert [policy.delay_for(n) for n in range(1, 5)] == [0.5, 1.5, 4.5, 13.5]


def test_delay_is_capped_at_max_delay():
    policy = podium.RetryPolicy(initial_delay=1, backoff=2, max_delay=5, jitter=False)
    assert [policy.delay_for(n) for n in (3, 4, 10, 200)] == [4, 5, 5, 5]


def test_constant_backoff():
    policy = podium.RetryPolicy(initial_delay=2, backoff=1, jitter=False)
    assert {policy.delay_for(n) for n in range(1, 6)} == {2}


def test_jitter_spreads_over_half_to_full_delay():
    policy = podium.RetryPolicy(initial_delay=4, backoff=2, max_delay=100, jitter=True)
    assert policy.delay_for(2, rand=lambda: 0.0) == 4.0
    assert policy.delay_for(2, rand=lambda: 0.5) == 6.0
    assert policy.delay_for(2, rand=lambda: 0.999999) == pytest.approx(8.0, rel=1e-5)
    rng = random.Random(7)
    samples = [policy.delay_for(2, rand=rng.random) for _ in range(500)]
    assert all(4.0 <= s < 8.0 for s in samples)
    assert max(samples) - min(samples) > 2.0, "jitter actually varies"


def test_jitter_never_exceeds_the_cap():
    policy = podium.RetryPolicy(initial_delay=10, max_delay=3, jitter=True)
    assert all(1.5 <= policy.delay_for(n) <= 3 for n in range(1, 50))


def test_retry_after_raises_the_delay():
    policy = podium.RetryPolicy(initial_delay=1, jitter=False)
    assert policy.delay_for(1, Throttled(7.5)) == 7.5
    assert policy.delay_for(1, Throttled(0.1)) == 1.0
    assert policy.delay_for(1, ValueError("x")) == 1.0


def test_should_retry_stops_at_max_attempts():
    policy = podium.RetryPolicy(max_attempts=3)
    error = ConnectionError("down")
    assert [policy.should_retry(n, error) for n in (1, 2, 3, 4)] == [True, True, False, False]


def test_non_retryable_fails_at_once_including_subclasses():
    policy = podium.RetryPolicy(max_attempts=5, non_retryable=(LookupError,))
    assert not policy.should_retry(1, KeyError("k"))
    assert not policy.should_retry(1, LookupError("l"))
    assert policy.should_retry(1, ValueError("v"))


def test_single_non_retryable_class_is_accepted():
    policy = podium.RetryPolicy(non_retryable=ValueError)  # type: ignore[arg-type]
    assert policy.non_retryable == (ValueError,)
    assert not policy.should_retry(1, ValueError())


def test_no_retry_default_runs_once():
    assert not NO_RETRY.should_retry(1, RuntimeError())
    assert NO_RETRY.max_attempts == 1


def test_policy_is_frozen_and_comparable():
    policy = podium.RetryPolicy(max_attempts=4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.max_attempts = 9  # type: ignore[misc]
    assert policy == podium.RetryPolicy(max_attempts=4)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": 2.5}, "max_attempts"),
        ({"max_attempts": True}, "max_attempts"),
        ({"initial_delay": -1}, "initial_delay"),
        ({"initial_delay": "1"}, "initial_delay"),
        ({"initial_delay": float("nan")}, "initial_delay"),
        ({"backoff": 0.5}, "backoff"),
        ({"backoff": None}, "backoff"),
        ({"max_delay": -0.1}, "max_delay"),
        ({"max_delay": float("inf")}, "max_delay"),
        ({"non_retryable": ("ValueError",)}, "non_retryable"),
        ({"non_retryable": (int,)}, "non_retryable"),
    ],
)
def test_invalid_policies_raise_configuration_error(options, named):
    with pytest.raises(podium.ConfigurationError, match=named):
        podium.RetryPolicy(**options)


def test_all_problems_are_reported_together():
    with pytest.raises(podium.ConfigurationError) as caught:
        podium.RetryPolicy(max_attempts=0, backoff=0)
    assert "max_attempts" in str(caught.value) and "backoff" in str(caught.value)


def test_late_attempts_do_not_overflow():
    policy = podium.RetryPolicy(max_attempts=10_000, initial_delay=1, max_delay=30, jitter=False)
    assert policy.delay_for(5_000) == 30
