"""Circuit breaker: stop calling a failing payment service, then test the way back.

Steps declared with `circuit="payments"` share one breaker. When half of the last calls
(at least 4) failed, it opens: calls fail fast with `podium.CircuitOpenError` without touching
the service. After the cooldown one trial call is let through: success closes the breaker,
failure re-opens it. A workflow whose step has a RetryPolicy does not fail on an open breaker:
it waits out the cooldown durably (it is unloaded while it waits) and then completes.

The breaker's state lives in the store, so every worker on the same database sees it, and
every transition is stored with its time, reason and failure rate.

    python examples/circuit_breaker.py      # runs on a temporary SQLite file
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sys
import tempfile
from typing import Any

import podium
from podium.patterns import circuit

COOLDOWN = 1.0
SERVICE: dict[str, object] = {"up": True, "calls": 0, "breaker": None}
"""The pretend payment service: whether it answers, how often it was called, and the state
the breaker was in during the last call (`watch` is the app it asks)."""
watch: list[podium.App] = []


def build(database_url: str) -> tuple[podium.App, podium.App, Any, Any]:
    """Two apps on one store (like two workers), the breaker and the steps on each."""
    apps = [podium.App(name, database_url=database_url) for name in ("web", "worker")]
    steps = []
    for app in apps:
        app.circuit_breaker(
            "payments", failure_threshold=0.5, min_calls=4, window=30.0, cooldown=COOLDOWN
        )
        steps.append(app.step(name="charge", circuit="payments")(charge))
    retrying = apps[1].step(
        name="charge_retrying",
        circuit="payments",
        retry=podium.RetryPolicy(max_attempts=3, initial_delay=0.1),
    )(charge)

    @apps[1].workflow
    def checkout(amount: int) -> str:
        return str(retrying(amount))

    return apps[0], apps[1], steps[0], checkout


def charge(amount: int) -> str:
    """Call the payment service."""
    SERVICE["calls"] = int(SERVICE["calls"]) + 1  # type: ignore[call-overload]
    SERVICE["breaker"] = watch[0].breaker_state("payments") if watch else None
    if not SERVICE["up"]:
        raise ConnectionError("payment service unavailable")
    return f"charged {amount}"


def attempt(app: podium.App, step: Any, amount: int) -> None:
    """Call the guarded step once and print what happened and the breaker's state after."""
    before = SERVICE["calls"]
    try:
        result = step(amount)
    except podium.CircuitOpenError as exc:
        result = f"FAIL FAST, service not called (retry in {exc.retry_after:.1f}s)"
    except ConnectionError as exc:
        result = f"failed: {exc}"
    called = f"ran while {SERVICE['breaker']}" if SERVICE["calls"] != before else "not run"
    print(f"  charge({amount}): {result:<50} [{called}] -> {app.breaker_state('payments')}")


def main() -> None:
    """Walk the breaker through closed -> open -> half_open -> closed, then a durable wait."""
    logging.basicConfig(level=logging.INFO, format="  log: %(message)s", stream=sys.stdout)
    folder = tempfile.mkdtemp(prefix="podium-circuit-")
    web, worker, step, checkout = build(f"sqlite:///{os.path.join(folder, 'example.db')}")
    watch.append(web)
    try:
        print("closed: the service answers")
        attempt(web, step, 10)
        attempt(web, step, 11)
        print("the service goes down: it opens once half of at least 4 calls failed")
        SERVICE["up"] = False
        attempt(web, step, 12)
        attempt(web, step, 13)
        print("open: calls fail fast, on every app sharing the store")
        attempt(web, step, 14)
        print(f"  the worker app sees the breaker {worker.breaker_state('payments')!r}")
        print(f"the service recovers; after the {COOLDOWN:g}s cooldown one trial call runs")
        SERVICE["up"] = True
        web.runtime.clock.sleep(COOLDOWN)
        attempt(web, step, 15)
        print("another outage (counting started afresh when it closed)")
        SERVICE["up"] = False
        for amount in range(16, 20):
            attempt(web, step, amount)
        SERVICE["up"] = True
        print("a workflow with retries is refused, waits out the cooldown durably, completes")
        print(f"  checkout(42) -> {worker.run(checkout, 42, id='order-42')!r}")
        print("transitions (stored; the dashboard reads these):")
        for e in circuit.transitions(web.store, "payments"):
            at = dt.datetime.fromtimestamp(e.at).strftime("%H:%M:%S.%f")[:-3]
            rate = "" if e.failure_rate is None else f" rate={e.failure_rate:.0%}"
            print(f"  {at} {e.from_state:>9} -> {e.to_state:<9} {e.reason}{rate}")
    finally:
        web.close()
        worker.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
