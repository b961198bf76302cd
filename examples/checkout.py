"""Order checkout: the podium example to read first.

A checkout reserves stock, charges a card, waits for the warehouse, ships and emails a
receipt. Each of those is a *step*: once it has finished, its result is stored, and if the
process dies the workflow resumes after the last finished step instead of starting over.

    python examples/checkout.py                 # run three orders here and print the results

Or serve the same workflows with a worker and start orders from another shell (run both
from the repository root, so that `examples.checkout` can be imported):

    podium worker examples.checkout:app
    podium start examples.checkout:app checkout --input '{"id": 7, "customer": "bo@example.com",
        "items": [{"sku": "TEA", "qty": 1}], "total": "9.90", "card": "4242"}' --wait
    podium ls
    podium show ID

Both use the store from PODIUM_DATABASE_URL, else ./podium.db (a SQLite file).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import podium

app = podium.App("checkout")


# -- a pretend payment provider ---------------------------------------------------------------
# Like a real one, it can time out, and it accepts an idempotency key so that a retried charge
# is charged only once.


class CardDeclined(Exception):
    """The card was refused: retrying will not help."""


_seen_keys: set[str] = set()


def provider_charge(card: str, amount: str, idempotency_key: str) -> str:
    """Charge `amount`; the first call per key times out, the same key never charges twice."""
    if card.startswith("0000"):
        raise CardDeclined(f"card ending {card[-4:]} was declined")
    if idempotency_key not in _seen_keys:
        _seen_keys.add(idempotency_key)
        raise TimeoutError("payment provider did not answer in time")
    return "ch_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]


# -- steps: each result is checkpointed -------------------------------------------------------


@app.step
def reserve_inventory(order: dict[str, Any]) -> str:
    """Hold the items for this order."""
    units = sum(item["qty"] for item in order["items"])
    return f"R-{order['id']}-{units}"


@app.step(
    retry=podium.RetryPolicy(
        max_attempts=4,
        initial_delay=0.2,  # seconds; doubles each attempt (0.2, 0.4, 0.8), capped at max_delay;
        # jitter (on by default) waits a random 50-100% of that so retries do not come in lockstep
        backoff=2.0,
        max_delay=5.0,
        non_retryable=(CardDeclined,),  # a declined card fails the workflow at once
    )
)
def charge_payment(order: dict[str, Any]) -> str:
    """Charge the card; the key is the same on every retry of this step in this workflow."""
    return provider_charge(order["card"], order["total"], podium.idempotency_key())


@app.step
def ship(order: dict[str, Any], reservation: str) -> str:
    """Hand the parcel to the carrier; returns a tracking number."""
    return f"1Z{uuid.uuid4().hex[:10].upper()}"


@app.step
def send_receipt(order: dict[str, Any], charge_id: str, tracking: str) -> str:
    """Email the customer."""
    print(f"  (email to {order['customer']}: charge {charge_id}, tracking {tracking})")
    return str(order["customer"])


# -- the workflow: plain Python that calls steps ----------------------------------------------


@app.workflow
def checkout(order: dict[str, Any]) -> dict[str, Any]:
    """Reserve, charge, wait for packing, ship, send the receipt."""
    reservation = reserve_inventory(order)
    charge_id = charge_payment(order)
    podium.sleep(1)  # a durable timer: in real life hours; survives restarts, holds no thread
    tracking = ship(order, reservation)
    send_receipt(order, charge_id, tracking)
    return {"order": order["id"], "charge": charge_id, "tracking": tracking}


ORDERS: list[dict[str, Any]] = [
    {"id": 1, "customer": "ada@example.com", "items": [{"sku": "TEA", "qty": 2}], "total": "19.80"},
    {"id": 2, "customer": "bo@example.com", "items": [{"sku": "MUG", "qty": 1}], "total": "12.00"},
    {"id": 3, "customer": "cy@example.com", "items": [{"sku": "POT", "qty": 1}], "total": "45.00"},
]
CARDS = {1: "4242424242424242", 2: "5555555555554444", 3: "0000000000000002"}


def main() -> None:
    """Start three orders, run them on a background worker in this process, print results."""
    run = uuid.uuid4().hex[:6]
    with app, app.worker(concurrency=4):
        handles = [
            app.start(
                checkout, {**order, "card": CARDS[order["id"]]}, id=f"order-{run}-{order['id']}"
            )
            for order in ORDERS
        ]
        for handle in handles:
            try:
                print(f"{handle.id}: completed {handle.result(timeout=30)}")
            except podium.WorkflowFailed as exc:
                print(f"{handle.id}: failed ({exc.error_type}: {exc.message})")
    print("inspect them with: podium ls, podium show ID")


if __name__ == "__main__":
    main()
