"""Trip booking: a saga that undoes what it already booked when a later booking fails.

A trip books a flight, then a hotel, then a car. Each booking step names the step that
undoes it (`compensate=`). Inside `with podium.saga():`, when a booking fails, the bookings
that completed are cancelled newest first, each cancellation a durable step with its own
retries, and the original error is raised again: the workflow fails with it, and its history
shows what was booked and what was cancelled. A crash halfway through cancelling resumes
cancelling and never cancels the same booking twice.

    python examples/saga_trip.py        # book two trips here: one succeeds, one is unwound

Or serve it with a worker and start trips from another shell (from the repository root):

    podium worker examples.saga_trip:app
    podium start examples.saga_trip:app book_trip --input '{"traveller": "ada", "city": "Atlantis"}'
    podium show ID

Both use the store from PODIUM_DATABASE_URL, else ./podium.db (a SQLite file).
"""

from __future__ import annotations

import uuid
from typing import Any

import podium

app = podium.App("trips")

# -- pretend providers ------------------------------------------------------------------------


class NoRooms(Exception):
    """The hotel is full: the trip cannot happen as planned."""


HOTELS_FULL = {"Atlantis"}


def provider_reference(kind: str, trip: dict[str, Any]) -> str:
    """A booking reference from a pretend provider."""
    return f"{kind}-{trip['traveller']}-{trip['city']}".upper()


# -- the steps: each booking says how to undo it ----------------------------------------------

UNDO_RETRY = podium.RetryPolicy(max_attempts=5, initial_delay=0.2, backoff=2.0)


@app.step(retry=UNDO_RETRY)
def cancel_flight(reference: str, trip: dict[str, Any]) -> str:
    """Undo `book_flight`: gets the booking's result and the same arguments."""
    print(f"  cancelled flight {reference}")
    return reference


@app.step(compensate=cancel_flight)
def book_flight(trip: dict[str, Any]) -> str:
    """Book the flight."""
    reference = provider_reference("flight", trip)
    print(f"  booked flight {reference}")
    return reference


@app.step(retry=UNDO_RETRY)
def cancel_hotel(reference: str, trip: dict[str, Any]) -> str:
    """Undo `book_hotel`."""
    print(f"  cancelled hotel {reference}")
    return reference


@app.step(compensate=cancel_hotel)
def book_hotel(trip: dict[str, Any]) -> str:
    """Book the hotel; some cities are full."""
    if trip["city"] in HOTELS_FULL:
        raise NoRooms(f"no rooms in {trip['city']}")
    reference = provider_reference("hotel", trip)
    print(f"  booked hotel {reference}")
    return reference


def cancel_car(reference: str, trip: dict[str, Any]) -> None:
    """Undo `book_car`: a plain function becomes the step 'book_car.compensate'."""
    print(f"  cancelled car {reference}")


@app.step(compensate=cancel_car)
def book_car(trip: dict[str, Any]) -> str:
    """Book the rental car."""
    reference = provider_reference("car", trip)
    print(f"  booked car {reference}")
    return reference


# -- the workflow -----------------------------------------------------------------------------


@app.workflow
def book_trip(trip: dict[str, Any]) -> dict[str, str]:
    """Flight, hotel, car: all of them, or none of them."""
    with podium.saga():
        flight = book_flight(trip)
        hotel = book_hotel(trip)
        car = book_car(trip)
    return {"flight": flight, "hotel": hotel, "car": car}


def main() -> None:
    """Book a trip that works and one whose hotel is full; print what happened to each."""
    run = uuid.uuid4().hex[:6]
    with app:
        for city in ("Lisbon", "Atlantis"):
            trip_id = f"trip-{run}-{city.lower()}"
            print(f"{trip_id}:")
            try:
                booked = app.run(book_trip, {"traveller": "ada", "city": city}, id=trip_id)
                print(f"  completed {booked}")
            except podium.WorkflowFailed as exc:
                print(f"  failed ({exc.error_type}: {exc.message})")
            steps = [
                f"{e.name} {e.status}" for e in app.store.load_history(trip_id) if e.kind == "step"
            ]
            print(f"  history: {', '.join(steps)}")
    print("inspect them with: podium ls, podium show ID")


if __name__ == "__main__":
    main()
