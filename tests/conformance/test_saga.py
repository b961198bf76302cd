"""Sagas through the engine: compensations are durable steps, run newest first, exactly once."""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Any

import pytest
from rich.console import Console

import podium
from podium import serialization
from podium.cli import render

from .conftest import AppFactory

FAST_RETRY = podium.RetryPolicy(max_attempts=3, initial_delay=0, jitter=False)


class HotelUnavailable(Exception):
    pass


class Interrupt(BaseException):
    """Stands in for a process dying: not an Exception, so the run is released unfinished."""


@dataclass
class Trip:
    """The trip workflow of the issue on one app; `ran` counts what really ran."""

    app: podium.App
    book: Any
    ran: collections.Counter[str]
    hooks: dict[str, Any]


def build_trip(app: podium.App) -> Trip:
    """Flight, hotel, car; each compensation a step; `hooks` inject failures by step name."""
    ran: collections.Counter[str] = collections.Counter()
    hooks: dict[str, Any] = {}

    def effect(name: str) -> None:
        ran[name] += 1
        hook = hooks.get(name)
        if hook is not None:
            hook(ran[name])

    @app.step(retry=FAST_RETRY)
    def cancel_flight(booking: str, city: str) -> str:
        effect("cancel_flight")
        return f"cancelled {booking}"

    @app.step(compensate=cancel_flight)
    def book_flight(city: str) -> str:
        effect("book_flight")
        return f"F-{city}"

    def cancel_hotel(booking: str, city: str) -> None:
        effect("cancel_hotel")

    @app.step(compensate=cancel_hotel)
    def book_hotel(city: str) -> str:
        effect("book_hotel")
        if city == "Nowhere":
            raise HotelUnavailable(f"no rooms in {city}")
        return f"H-{city}"

    @app.step(retry=FAST_RETRY)
    def cancel_car(booking: str, city: str) -> None:
        effect("cancel_car")

    @app.step(compensate=cancel_car)
    def book_car(city: str) -> str:
        effect("book_car")
        return f"C-{city}"

    @app.workflow
    def book_trip(flight_to: str, hotel_in: str, car_first: bool = False) -> dict[str, str]:
        with podium.saga():
            car = book_car(flight_to) if car_first else None
            flight = book_flight(flight_to)
            hotel = book_hotel(hotel_in)
            car = car or book_car(flight_to)
        return {"flight": flight, "hotel": hotel, "car": car}

    return Trip(app, book_trip, ran, hooks)


def history(app: podium.App, workflow_id: str) -> list[tuple[str, str]]:
    return [(e.name, e.status) for e in app.store.load_history(workflow_id)]


@pytest.fixture
def trip(app: podium.App) -> Trip:
    return build_trip(app)


def test_trip_books_everything_when_nothing_fails(trip: Trip):
    result = trip.app.run(trip.book, "Oslo", "Oslo", id="t-ok")
    assert result == {"flight": "F-Oslo", "hotel": "H-Oslo", "car": "C-Oslo"}
    assert history(trip.app, "t-ok") == [
        ("book_flight", "completed"),
        ("book_hotel", "completed"),
        ("book_car", "completed"),
    ]


def test_hotel_fails_flight_is_cancelled_car_never_booked(trip: Trip):
    with pytest.raises(podium.WorkflowFailed) as caught:
        trip.app.run(trip.book, "Oslo", "Nowhere", id="t-1")
    assert caught.value.error_type == "HotelUnavailable"
    assert caught.value.message == "no rooms in Nowhere"
    assert trip.ran == {"book_flight": 1, "book_hotel": 1, "cancel_flight": 1}
    assert history(trip.app, "t-1") == [
        ("book_flight", "completed"),
        ("book_hotel", "failed"),
        ("saga", "completed"),  # compensating starts: why, and how many
        ("cancel_flight", "completed"),
    ]
    marker = trip.app.store.load_history("t-1")[2]
    assert marker.kind == "saga"
    assert serialization.loads(marker.payload) == {
        "compensating": 1,
        "after": "HotelUnavailable: no rooms in Nowhere",
    }
    assert trip.app.get("t-1").info().error_type == "HotelUnavailable"


def test_compensations_run_newest_first_plain_functions_as_named_steps(trip: Trip):
    with pytest.raises(podium.WorkflowFailed):
        trip.app.run(trip.book, "Oslo", "Nowhere", True, id="t-2")
    assert history(trip.app, "t-2") == [
        ("book_car", "completed"),
        ("book_flight", "completed"),
        ("book_hotel", "failed"),
        ("saga", "completed"),
        ("cancel_flight", "completed"),
        ("cancel_car", "completed"),
    ]
    # a plain-function compensation is the step "<step>.compensate": here it never ran
    assert trip.app.registry.steps["book_hotel.compensate"].fn.__name__ == "cancel_hotel"


def test_a_compensation_retries_with_its_own_policy(trip: Trip):
    def flaky(n: int) -> None:
        if n < 3:
            raise ConnectionError(f"airline busy ({n})")

    trip.hooks["cancel_flight"] = flaky
    with pytest.raises(podium.WorkflowFailed) as caught:
        trip.app.run(trip.book, "Oslo", "Nowhere", id="t-3")
    assert caught.value.error_type == "HotelUnavailable"
    assert trip.ran["cancel_flight"] == 3
    attempts = trip.app.store.load_attempts("t-3")
    assert [(a.seq, a.name, a.attempt, a.error_type) for a in attempts] == [
        (3, "cancel_flight", 1, "ConnectionError"),
        (3, "cancel_flight", 2, "ConnectionError"),
    ]
    assert history(trip.app, "t-3")[-1] == ("cancel_flight", "completed")


def test_a_compensation_that_gives_up_needs_attention(trip: Trip):
    def down(n: int) -> None:
        raise ConnectionError("airline offline")

    trip.hooks["cancel_flight"] = down
    with pytest.raises(podium.WorkflowFailed) as caught:
        trip.app.run(trip.book, "Oslo", "Nowhere", True, id="t-4")
    error = caught.value
    assert error.error_type == "CompensationFailed"
    assert "'book_flight'" in error.message and "ConnectionError: airline offline" in error.message
    assert "HotelUnavailable: no rooms in Nowhere" in error.message
    assert trip.ran["cancel_flight"] == 3 and trip.ran["cancel_car"] == 0  # stopped there
    assert history(trip.app, "t-4")[-1] == ("cancel_flight", "failed")
    assert [i.id for i in trip.app.list(status="failed")] == ["t-4"]
    assert trip.app.list()[0].error_type == "CompensationFailed"

    # fixed: resume retries the compensation that gave up (not the failed booking), then the
    # rest; the workflow ends failed with the original error, every booking undone once
    trip.hooks.clear()
    trip.app.resume("t-4")
    with pytest.raises(podium.WorkflowFailed) as again:
        trip.app.run(trip.book, "Oslo", "Nowhere", True, id="t-4")
    assert again.value.error_type == "HotelUnavailable"
    assert trip.ran == {
        "book_car": 1,
        "book_flight": 1,
        "book_hotel": 1,
        "cancel_flight": 4,
        "cancel_car": 1,
    }
    assert history(trip.app, "t-4")[-2:] == [
        ("cancel_flight", "completed"),
        ("cancel_car", "completed"),
    ]


def test_podium_ls_and_show_mark_a_failed_compensation(trip: Trip):
    trip.hooks["cancel_flight"] = lambda n: (_ for _ in ()).throw(OSError("offline"))
    with pytest.raises(podium.WorkflowFailed):
        trip.app.run(trip.book, "Oslo", "Nowhere", id="t-5")
    console = Console(record=True, width=300)
    console.print(render.workflows_table(trip.app.store.list_workflows()))
    listing = console.export_text()
    assert "CompensationFailed (needs attention)" in listing
    render.show(console, trip.app.store, "t-5")
    shown = console.export_text()
    assert "needs attention" in shown and "podium resume t-5" in shown
    assert "cancel_flight" in shown and "OSError: offline" in shown


def test_crash_in_the_middle_of_compensating_resumes_compensating(trip: Trip):
    def crash_once(n: int) -> None:
        if n == 1:
            raise Interrupt()

    trip.hooks["cancel_flight"] = crash_once
    with pytest.raises(Interrupt):
        trip.app.run(trip.book, "Oslo", "Nowhere", True, id="t-6")
    assert history(trip.app, "t-6")[-2:] == [("book_hotel", "failed"), ("saga", "completed")]
    assert trip.app.get("t-6").status() == "pending"  # released, not failed

    with pytest.raises(podium.WorkflowFailed) as caught:
        trip.app.run(trip.book, "Oslo", "Nowhere", True, id="t-6")
    assert caught.value.error_type == "HotelUnavailable"
    assert trip.ran == {
        "book_car": 1,
        "book_flight": 1,
        "book_hotel": 1,
        "cancel_flight": 2,  # the run in flight at the crash, then the real one
        "cancel_car": 1,
    }
    assert history(trip.app, "t-6")[-2:] == [
        ("cancel_flight", "completed"),
        ("cancel_car", "completed"),
    ]


def test_a_crash_after_a_compensation_completed_never_reruns_it(trip: Trip):
    def crash_once(n: int) -> None:
        if n == 1:
            raise Interrupt()

    trip.hooks["cancel_car"] = crash_once  # cancel_flight has completed by then
    with pytest.raises(Interrupt):
        trip.app.run(trip.book, "Oslo", "Nowhere", True, id="t-7")
    assert history(trip.app, "t-7")[-1] == ("cancel_flight", "completed")
    with pytest.raises(podium.WorkflowFailed):
        trip.app.run(trip.book, "Oslo", "Nowhere", True, id="t-7")
    assert trip.ran["cancel_flight"] == 1 and trip.ran["cancel_car"] == 2


def test_the_stack_is_rebuilt_by_replay_after_a_suspension(app: podium.App):
    ran: list[str] = []

    def unreserve(reservation: str) -> None:
        ran.append(f"unreserve {reservation}")

    @app.step(compensate=unreserve)
    def reserve() -> str:
        ran.append("reserve")
        return "R-1"

    @app.step
    def charge() -> None:
        raise HotelUnavailable("card declined")

    @app.workflow
    def order() -> None:
        with podium.saga():
            reserve()
            podium.sleep(0.5)  # longer than suspend_grace: the run ends, a new one replays
            charge()

    with pytest.raises(podium.WorkflowFailed):
        app.run(order, id="o-1")
    assert ran == ["reserve", "unreserve R-1"]
    assert app.get("o-1").info().status == "failed"
    record = app.store.get_workflow("o-1")
    assert record is not None and record.runs >= 2
    assert [(e.kind, e.name) for e in app.store.load_history("o-1")] == [
        ("step", "reserve"),
        ("sleep", "sleep"),
        ("step", "charge"),
        ("saga", "saga"),
        ("step", "reserve.compensate"),
    ]


def test_async_workflow_with_async_saga(app: podium.App):
    ran: list[str] = []

    @app.step
    async def release_seat(seat: str, flight: str) -> None:
        ran.append(f"release {seat}")

    @app.step(compensate=release_seat)
    async def hold_seat(flight: str) -> str:
        return f"{flight}-12A"

    def refund_sync(charge: str, flight: str) -> None:
        ran.append(f"refund {charge}")

    @app.step(compensate=refund_sync)
    def charge(flight: str) -> str:
        return "ch-1"

    @app.step
    async def issue(flight: str) -> None:
        raise HotelUnavailable("ticketing down")

    @app.workflow
    async def ticket(flight: str) -> None:
        async with podium.saga():
            await hold_seat(flight)
            charge(flight)
            await issue(flight)

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(ticket, "SK1", id="a-1")
    assert caught.value.error_type == "HotelUnavailable"
    assert ran == ["refund ch-1", "release SK1-12A"]


def test_a_sync_saga_in_an_async_workflow_refuses_async_compensations(app: podium.App):
    @app.step
    async def release_seat(seat: str) -> None:
        return None

    @app.step(compensate=release_seat)
    async def hold_seat() -> str:
        return "12A"

    @app.workflow
    async def ticket() -> None:
        with podium.saga():
            await hold_seat()
            raise HotelUnavailable("no")

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(ticket, id="a-2")
    assert caught.value.error_type == "ConfigurationError"
    assert "async with podium.saga()" in caught.value.message


def test_workflow_that_catches_the_saga_error_completes(trip: Trip, app: podium.App):
    @app.workflow
    def try_trip(city: str) -> str:
        try:
            trip.book.fn(city, "Nowhere")
        except HotelUnavailable as exc:
            return f"not booked: {exc}"
        return "booked"

    assert app.run(try_trip, "Oslo", id="c-1") == "not booked: no rooms in Nowhere"
    assert history(app, "c-1") == [
        ("book_flight", "completed"),
        ("book_hotel", "failed"),
        ("saga", "completed"),
        ("cancel_flight", "completed"),
    ]


def test_nested_sagas_and_a_body_that_handles_its_error(app: podium.App):
    ran: list[str] = []

    def undo(result: str, label: str) -> None:
        ran.append(f"undo {result}")

    @app.step(compensate=undo)
    def do(label: str) -> str:
        if label.startswith("bad"):
            raise HotelUnavailable(label)
        return label

    @app.workflow
    def nested() -> None:
        with podium.saga():
            do("a")
            with podium.saga():
                do("b")  # inner saga ends well: its compensation moves to the outer one
            with podium.saga():
                do("c")
                try:
                    do("bad-1")  # caught in the body: compensates nothing
                except HotelUnavailable:
                    do("d")
                do("bad-2")  # leaves the inner saga: undo d, c; then the outer: undo b, a

    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(nested, id="n-1")
    assert caught.value.message == "bad-2"
    assert ran == ["undo d", "undo c", "undo b", "undo a"]
    assert [name for name, _ in history(app, "n-1")] == [
        *["do", "do", "do", "do", "do", "do"],  # a, b, c, bad-1 (failed), d, bad-2 (failed)
        *["saga", "do.compensate", "do.compensate"],  # the inner saga: undo d, c
        *["saga", "do.compensate", "do.compensate"],  # the outer saga: undo b, a
    ]


def test_two_workers_on_one_store_compensate_once(app_factory: AppFactory):
    first, second = app_factory("one"), app_factory("two")
    trips = [build_trip(first), build_trip(second)]
    handles = [first.start(trips[0].book, "Oslo", "Nowhere", True, id=f"w-{n}") for n in range(6)]
    with first.worker(concurrency=3), second.worker(concurrency=3):
        for handle in handles:
            with pytest.raises(podium.WorkflowFailed):
                handle.result(timeout=30)
    total = trips[0].ran + trips[1].ran
    assert total == {
        "book_car": 6,
        "book_flight": 6,
        "book_hotel": 6,
        "cancel_flight": 6,
        "cancel_car": 6,
    }
