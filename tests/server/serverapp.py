"""The app the server tests serve: plain steps, a flaky step that retries, a saga, a failure."""

from __future__ import annotations

import podium

SETTINGS = {"poll_interval": 0.02, "suspend_grace": 0.2, "lease_seconds": 2}


def build(database_url: str | None = None) -> podium.App:
    """A fresh App with the test workflows, on `database_url`."""
    app = podium.App("serverapp", database_url=database_url, **SETTINGS)  # type: ignore[arg-type]
    flaky: dict[str, int] = {}

    @app.step
    def reserve(order: dict[str, object]) -> str:
        return f"reserved {order.get('sku', '?')}"

    @app.step(retry=podium.RetryPolicy(max_attempts=4, initial_delay=0.01, jitter=False))
    def charge(order: dict[str, object]) -> str:
        key = str(order.get("id", "x"))
        flaky[key] = flaky.get(key, 0) + 1
        if flaky[key] < 3:
            raise ConnectionError(f"gateway timeout #{flaky[key]}")
        return "charged"

    def refund(result: str, order: dict[str, object]) -> None:
        del result, order

    @app.step(compensate=refund)
    def hold(order: dict[str, object]) -> str:
        return "held"

    @app.step
    def ship(order: dict[str, object]) -> str:
        if order.get("fail"):
            raise ValueError("no courier for this address")
        return "shipped"

    @app.workflow
    def checkout(order: dict[str, object]) -> dict[str, str]:
        with podium.saga():
            held = hold(order)
            reserved = reserve(order)
            charged = charge(order)
            return {"reserve": reserved, "charge": charged, "hold": held, "ship": ship(order)}

    @app.workflow
    def add(a: int, b: int) -> int:
        return a + b

    @app.workflow
    def wait_long(seconds: float) -> str:
        podium.sleep(seconds)
        return "woke"

    return app


app = build()


def add_operations(app: podium.App) -> podium.App:
    """Declare what the Operations page shows: a breaker, a limited queue, a schedule, a machine.

    Separate from `build` so the API tests that expect exactly one breaker or machine of
    their own keep their app; the served module-level `app` has them.
    """
    app.circuit_breaker("gateway", failure_threshold=0.5, min_calls=2, window=60, cooldown=300)
    app.queue("bulk", concurrency=2, rate_limit=(10, 1.0), max_depth=100)

    @app.step(circuit="gateway")
    def call_gateway(fail: bool) -> str:
        if fail:
            raise ConnectionError("gateway down")
        return "ok"

    @app.workflow(queue="bulk")
    def bulk_job(n: int) -> int:
        return n * 2

    @app.workflow(schedule="0 0 1 1 *", timezone="Europe/Paris")
    def yearly_report() -> str:
        return "report"

    app.state_machine(
        "order_flow",
        initial="placed",
        transitions=[
            ("pay", "placed", "paid"),
            ("ship", "paid", "shipped"),
            ("deliver", "shipped", "delivered"),
            ("lose", "shipped", "paid"),
            ("remind", "placed", "placed"),
            ("cancel", "placed", "cancelled"),
            ("cancel", "paid", "cancelled"),
        ],
        final=["delivered", "cancelled"],
    )
    return app


add_operations(app)
