"""Transient store faults at the engine's writes, on every store (issue 16).

The whole suite runs under injected faults with `--store-faults RATE`, and a subset always
does (tests/conformance/under_faults). Here, single faults at chosen writes.
"""

from collections.abc import Callable
from typing import Any

import podium
from podium.store import base, factory
from podium.testing import faultystore

AppFactory = Callable[..., podium.App]


def failing_once(store: base.Store, verb: str) -> list[int]:
    """Make `store.<verb>` raise a transient fault on its first call; count the calls."""
    real = getattr(store, verb)
    calls: list[int] = []

    def once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise faultystore.InjectedStoreFault(f"injected transient fault in {verb}")
        return real(*args, **kwargs)

    setattr(store, verb, once)
    return calls


def test_a_fault_at_a_runs_end_is_retried_not_paid_with_a_rerun(
    app_factory: AppFactory, store_url: str
):
    store = factory.open_store(store_url)
    calls = failing_once(store, "finish")
    app = app_factory(store=store, lease_seconds=30)
    ran: list[int] = []

    @app.step
    def effect(n: int) -> int:
        ran.append(n)
        return n * 2

    @app.workflow
    def once(n: int) -> int:
        return effect(n)

    # Before: the end was not stored, app.run waited out the 30 s lease and ran the step again.
    assert app.run(once, 21) == 42
    assert ran == [21]
    assert len(calls) == 2
    with app.worker():
        assert app.start(once, 4).result(timeout=10) == 8
    assert ran == [21, 4]
