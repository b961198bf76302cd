"""Event-driven orders: one `order.created` event starts three workflows independently.

- `check_inventory` reserves the items and publishes `inventory.checked`;
- `take_payment` charges the card and publishes `payment.settled`;
- `fulfil_order` waits for both reports (keyed by the order id) and completes the order.

All three are `@app.workflow(on_event="order.created")`: the publish stores the event and
starts each of them in the same transaction, exactly once per event (their ids are
`f"{workflow}:{event_id}"`), whichever process published it. The reports are published from
inside the workflows, so a crash never loses or repeats them. `fulfil_order` waits with
`since=` the order time, because the reports may come before it starts waiting.

    python examples/order_events.py             # publish two orders here and print the outcome

Or serve the workflows with a worker and publish from another shell (repository root):

    podium worker examples.order_events:app
    python -c "from examples.order_events import app, place; place(app, 7)"
"""

from __future__ import annotations

import time
from typing import Any

import podium

app = podium.App("order_events")

STOCK = {"TEA": 10, "CUP": 0}


@app.step
def reserve(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Reserve stock for every item; report what is missing."""
    missing = [item["sku"] for item in items if STOCK.get(item["sku"], 0) < item["qty"]]
    return {"ok": not missing, "missing": missing}


@app.step
def charge(order_id: int, total: str) -> dict[str, Any]:
    """Pretend to charge the card (a real step would pass podium.idempotency_key())."""
    return {"ok": True, "charged": total, "ref": f"pay-{order_id}-{podium.idempotency_key()}"}


@app.workflow(on_event="order.created")
def check_inventory(order: dict[str, Any]) -> dict[str, Any]:
    """Reserve the items of a new order, then report back."""
    report = reserve(order["items"])
    app.publish("inventory.checked", report, key=str(order["id"]))
    return report


@app.workflow(on_event="order.created")
def take_payment(order: dict[str, Any]) -> dict[str, Any]:
    """Charge a new order, then report back."""
    report = charge(order["id"], order["total"])
    app.publish("payment.settled", report, key=str(order["id"]))
    return report


@app.workflow(on_event="order.created")
def fulfil_order(order: dict[str, Any]) -> dict[str, Any]:
    """Complete the order once inventory and payment have both reported (or give up)."""
    key, since = str(order["id"]), order["placed_at"]
    stock = podium.wait_for_event("inventory.checked", key=key, timeout=3600, since=since)
    paid = podium.wait_for_event("payment.settled", key=key, timeout=3600, since=since)
    if stock is None or paid is None:
        status = "timed out"
    elif not stock["ok"]:
        status = f"backordered: {', '.join(stock['missing'])}"
    else:
        status = "completed"
    return {"order": order["id"], "status": status, "paid": bool(paid and paid["ok"])}


def place(shop: podium.App, order_id: int, sku: str = "TEA") -> str:
    """Publish the `order.created` event of a new order; return the event id."""
    order = {
        "id": order_id,
        "items": [{"sku": sku, "qty": 1}],
        "total": "9.90",
        "placed_at": time.time(),
    }
    return shop.publish("order.created", order, key=str(order_id), id=f"order-{order_id}")


def main() -> None:
    """Publish two orders, let a worker in this process handle them, print the outcomes."""
    with app.worker(concurrency=8):
        for order_id, sku in ((1, "TEA"), (2, "CUP")):
            event_id = place(app, order_id, sku)
            print(app.get(f"fulfil_order:{event_id}").result(timeout=30))
    app.close()


if __name__ == "__main__":
    main()
