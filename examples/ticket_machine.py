"""Support tickets as a durable state machine: open -> in_progress -> resolved -> closed.

Every ticket is an instance of the `ticket` machine. `ticket.send(id, event, payload)`
moves it along one of the declared transitions in one transaction; an event the current
state does not accept raises `podium.InvalidTransition` and changes nothing. Entering
"resolved" notifies the customer and leaving "open" assigns an agent: both are durable
steps run by a worker, exactly once per transition, even across crashes.

    python examples/ticket_machine.py   # walk one ticket through, with a rejected event

Or serve it with a worker and drive tickets from another process (repository root):

    podium worker examples.ticket_machine:app
    python -c "from examples.ticket_machine import ticket, send; ticket.create('T-1',
        {'customer': 'grace@example.com'}); send('T-1', 'start', {'agent': 'ada'})"

Both use the store from PODIUM_DATABASE_URL, else ./podium.db (a SQLite file).
"""

from __future__ import annotations

import uuid
from typing import Any

import podium

app = podium.App("tickets")

ticket = app.state_machine(
    "ticket",
    initial="open",
    transitions=[
        ("start", "open", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("reopen", "resolved", "open"),
        # Closing needs a satisfied customer: a guard on the event's payload.
        ("close", "resolved", "closed", lambda data, payload: bool(payload and payload["happy"])),
    ],
    final=["closed"],
)


@ticket.on_exit("open")
def assign(change: dict[str, Any]) -> str:
    """Give the ticket to whoever started it."""
    agent = (change["payload"] or {}).get("agent", "the queue")
    print(f"  [action] {change['instance']} assigned to {agent}")
    return agent


@app.step
def notify_customer(change: dict[str, Any]) -> str:
    """Tell the customer their ticket is resolved (an @app.step: retried, checkpointed)."""
    print(f"  [action] emailed {change['data']['customer']}: {change['instance']} is resolved")
    return change["data"]["customer"]


ticket.on_enter("resolved")(notify_customer)


def send(ticket_id: str, event: str, payload: Any = None) -> None:
    """Send one event and print what it did (or why it was rejected)."""
    try:
        moved = ticket.send(ticket_id, event, payload)
        print(f"{event}: {moved.source} -> {moved.target}")
    except podium.InvalidTransition as exc:
        print(f"{event}: rejected ({exc})")


def main() -> None:
    """Walk one ticket from open to closed; show a rejected event, its history and diagram."""
    ticket_id = f"T-{uuid.uuid4().hex[:6]}"
    with app, app.worker(concurrency=2):
        ticket.create(ticket_id, {"customer": "grace@example.com", "title": "printer on fire"})
        print(f"{ticket_id} is {ticket.state(ticket_id)}")
        send(ticket_id, "resolve")  # rejected: an open ticket must be started first
        send(ticket_id, "start", {"agent": "ada"})
        send(ticket_id, "resolve")
        send(ticket_id, "close", {"happy": False})  # rejected by the guard
        send(ticket_id, "close", {"happy": True})
        print(f"its workflow returned {ticket.handle(ticket_id).result(timeout=30)}")
        print("history:")
        for h in ticket.history(ticket_id):
            print(f"  {h.seq}. {h.event}: {h.source} -> {h.target} payload={h.payload}")
    print(ticket.to_mermaid(), end="")


if __name__ == "__main__":
    main()
