"""Erlang-C staffing: textbook values, closed forms, the sizing rule and bad input."""

from __future__ import annotations

import math

import pytest

from podium.intelligence import staffing


def direct_erlang_c(a: float, c: int) -> float:
    """Erlang's C formula written out as the textbook sum (independent of the recursion)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_textbook_values() -> None:
    # M/M/1: the probability of waiting is the utilisation
    assert staffing.erlang_c(0.7, 1) == pytest.approx(0.7)
    # M/M/2: 2 rho^2 / (1 + rho) with rho = a / 2
    rho = 0.75
    assert staffing.erlang_c(1.5, 2) == pytest.approx(2 * rho**2 / (1 + rho))
    # 2 Erlangs on 3 servers: 4/9
    assert staffing.erlang_c(2.0, 3) == pytest.approx(4 / 9)
    # the textbook sum, on loads up to a call centre's
    for a, c in [(5.0, 6), (9.5, 12), (20.0, 25), (48.3, 55), (100.0, 110)]:
        assert staffing.erlang_c(a, c) == pytest.approx(direct_erlang_c(a, c), rel=1e-9)


def test_no_load_and_overload() -> None:
    assert staffing.erlang_c(0.0, 3) == 0.0
    assert staffing.erlang_c(3.0, 3) == 1.0 and staffing.erlang_c(4.0, 3) == 1.0
    assert staffing.wait_probability(10.0, 0.5, 5, 10.0) == 1.0
    assert staffing.wait_probability(0.0, 0.5, 0, 10.0) == 0.0
    assert staffing.mean_wait(10.0, 0.5, 5) == math.inf
    assert staffing.mean_wait(0.0, 0.5, 1) == 0.0
    assert staffing.servers_for(0.0, 0.5, 10.0) == 0


def test_wait_probability_and_mean_wait() -> None:
    # M/M/1 with rho 0.5 and mean service 1 s: P(W > t) = rho exp(-(1 - rho) t), E[W] = 1 s
    assert staffing.wait_probability(0.5, 1.0, 1, 2.0) == pytest.approx(0.5 * math.exp(-1.0))
    assert staffing.wait_probability(0.5, 1.0, 1, 0.0) == pytest.approx(0.5)
    assert staffing.mean_wait(0.5, 1.0, 1) == pytest.approx(1.0)
    # 2 Erlangs on 3 servers of 2 s: E[W] = C x 2 / (3 - 2)
    assert staffing.mean_wait(1.0, 2.0, 3) == pytest.approx(4 / 9 * 2.0)


def test_servers_for_is_the_smallest_pool_meeting_the_level() -> None:
    for rate, service, target, level in [
        (10.0, 0.5, 10.0, 0.05),
        (10.0, 0.5, 0.0, 0.05),
        (2.0, 30.0, 20.0, 0.05),
        (100.0, 0.2, 1.0, 0.2),
        (0.01, 60.0, 0.0, 0.5),
    ]:
        c = staffing.servers_for(rate, service, target, level)
        assert c > rate * service
        assert staffing.wait_probability(rate, service, c, target) <= level
        assert staffing.wait_probability(rate, service, c - 1, target) > level
    # a target short against the service needs spare workers; a long one barely any
    assert staffing.servers_for(2.0, 30.0, 1.0) > staffing.servers_for(2.0, 30.0, 600.0) >= 61
    # a stricter level needs at least as many
    assert staffing.servers_for(20.0, 1.0, 0.0, 0.01) >= staffing.servers_for(20.0, 1.0, 0.0)


def test_servers_for_stops_at_the_limit() -> None:
    assert staffing.servers_for(1000.0, 1.0, 0.0, limit=50) == 50
    assert staffing.servers_for(1.0, 1.0, 0.0, limit=50) < 50


@pytest.mark.parametrize(
    "call",
    [
        lambda: staffing.erlang_c(-1.0, 3),
        lambda: staffing.erlang_c(math.nan, 3),
        lambda: staffing.erlang_c(1.0, -1),
        lambda: staffing.erlang_c(1.0, 2.5),  # type: ignore[arg-type]
        lambda: staffing.erlang_c(True, 2),
        lambda: staffing.wait_probability(1.0, 0.0, 3, 1.0),
        lambda: staffing.wait_probability(1.0, 1.0, 3, -1.0),
        lambda: staffing.mean_wait(math.inf, 1.0, 3),
        lambda: staffing.servers_for(1.0, 1.0, 1.0, level=0.0),
        lambda: staffing.servers_for(1.0, 1.0, 1.0, level=1.0),
        lambda: staffing.servers_for(1.0, 1.0, 1.0, limit=-1),
        lambda: staffing.servers_for("5", 1.0, 1.0),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_refused(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]
