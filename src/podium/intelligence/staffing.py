"""Staffing a queue from a wait target: Erlang-C (the M/M/c queue).

For Poisson arrivals at `rate` a second, exponential service of mean `service` seconds and
`servers` identical workers, the offered load is a = rate x service (busy workers). When
a < c the probability that an arrival waits at all is Erlang's C formula

    C(c, a) = c B(c, a) / (c - a (1 - B(c, a)))

with B the Erlang-B blocking probability, computed by its stable recursion
B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)) (Erlang 1917; the recursion and the C-from-B
identity as in Kleinrock, *Queueing Systems* vol. 1, 1975, sec. 3.5, and Gross & Harris,
*Fundamentals of Queueing Theory*, sec. 2.3). The wait of an arrival that waits is
exponential with rate (c - a) / service, so

    P(W > t) = C(c, a) exp(-(c - a) t / service),   E[W] = C(c, a) service / (c - a).

`servers_for` sizes a pool: the smallest c with P(W > target) at most `level`, the
textbook staffing rule of call centres (Gans, Koole & Mandelbaum, "Telephone call
centers", M&SOM 2003, sec. 4.1). Pure Python, no numpy: the scaler imports it lightly.
"""

from __future__ import annotations

import math

__all__ = ["erlang_c", "mean_wait", "servers_for", "wait_probability"]

LEVEL = 0.05
"""Default share of arrivals allowed to wait longer than the target."""


def _number(name: str, value: float, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}={value!r} must be a finite number")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name}={value!r} must be {'> 0' if positive else '>= 0'}")
    return float(value)


def _servers(servers: int) -> int:
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 0:
        raise ValueError(f"servers={servers!r} must be an int >= 0")
    return servers


def erlang_c(traffic: float, servers: int) -> float:
    """The probability that an arrival waits in M/M/c with offered load `traffic` (Erlangs).

    1.0 when the pool cannot keep up (`servers` <= `traffic`), 0.0 when there is no load.
    """
    a = _number("traffic", traffic)
    c = _servers(servers)
    if a == 0.0:
        return 0.0
    if c <= a:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def wait_probability(rate: float, service: float, servers: int, target: float) -> float:
    """P(an arrival waits longer than `target` seconds) in M/M/c (1.0 when overloaded)."""
    lam = _number("rate", rate)
    s = _number("service", service, positive=True)
    t = _number("target", target)
    c = _servers(servers)
    a = lam * s
    if c <= a:
        return 1.0 if a > 0 else 0.0
    return erlang_c(a, c) * math.exp(-(c - a) * t / s)


def mean_wait(rate: float, service: float, servers: int) -> float:
    """The mean queueing delay (s) in M/M/c; infinite when the pool cannot keep up."""
    lam = _number("rate", rate)
    s = _number("service", service, positive=True)
    c = _servers(servers)
    a = lam * s
    if a == 0.0:
        return 0.0
    if c <= a:
        return math.inf
    return erlang_c(a, c) * s / (c - a)


def servers_for(
    rate: float, service: float, target: float, level: float = LEVEL, limit: int | None = None
) -> int:
    """The fewest workers for which P(wait > `target` s) <= `level` (0 with no arrivals).

    `rate` is arrivals a second, `service` the mean seconds of one. Searches upward from
    the first c above the load, updating Erlang-B one server at a time (linear in the
    answer); stops at `limit` if given (the answer is then `limit`).
    """
    lam = _number("rate", rate)
    s = _number("service", service, positive=True)
    t = _number("target", target)
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise ValueError(f"level={level!r} must be between 0 and 1 (exclusive)")
    if limit is not None:
        _servers(limit)
    a = lam * s
    if a == 0.0:
        return 0
    b = 1.0
    c = 0
    while True:
        c += 1
        b = a * b / (c + a * b)
        if limit is not None and c >= limit:
            return limit
        if c <= a:
            continue
        waits = c * b / (c - a * (1.0 - b))
        if waits * math.exp(-(c - a) * t / s) <= level:
            return c
