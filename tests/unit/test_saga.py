"""The saga's logic without a store: steps called outside a workflow run plainly, and
`with podium.saga():` compensates them the same way it does inside one."""

import asyncio

import pytest

import podium
from podium import errors
from podium.patterns import saga as saga_mod
from podium.step import StepDefinition, StepOptions


class Boom(Exception):
    pass


@pytest.fixture
def app(tmp_path):
    with podium.App("saga-unit", database_url=f"sqlite:///{tmp_path / 'unused.db'}") as app:
        yield app


@pytest.fixture
def trip(app):
    """Three bookings with compensations; `calls` records what ran, in order."""
    calls: list[tuple[object, ...]] = []

    def cancel_flight(booking, city, *, seats=1):
        calls.append(("cancel_flight", booking, city, seats))

    @app.step(compensate=cancel_flight)
    def book_flight(city, *, seats=1):
        calls.append(("book_flight", city, seats))
        return f"F-{city}-{seats}"

    @app.step
    def cancel_hotel(booking, city):
        calls.append(("cancel_hotel", booking, city))

    @app.step(compensate=cancel_hotel)
    def book_hotel(city):
        calls.append(("book_hotel", city))
        if city == "Nowhere":
            raise Boom("no hotel in Nowhere")
        return f"H-{city}"

    @app.step(compensate=lambda booking, city: calls.append(("cancel_car", booking)))
    def book_car(city):
        calls.append(("book_car", city))
        return f"C-{city}"

    return calls, book_flight, book_hotel, book_car


def test_compensations_run_newest_first_with_result_and_arguments(trip):
    calls, book_flight, book_hotel, book_car = trip
    with pytest.raises(Boom), podium.saga():
        book_flight("Oslo", seats=2)
        book_car("Oslo")
        book_hotel("Nowhere")
    assert calls == [
        ("book_flight", "Oslo", 2),
        ("book_car", "Oslo"),
        ("book_hotel", "Nowhere"),
        ("cancel_car", "C-Oslo"),
        ("cancel_flight", "F-Oslo-2", "Oslo", 2),
    ]


def test_success_compensates_nothing(trip):
    calls, book_flight, book_hotel, _ = trip
    with podium.saga() as saga:
        book_flight("Oslo")
        book_hotel("Oslo")
        assert len(saga.compensations) == 2
    assert [c[0] for c in calls] == ["book_flight", "book_hotel"]


def test_an_error_the_body_catches_compensates_nothing(trip):
    calls, book_flight, book_hotel, _ = trip
    with pytest.raises(RuntimeError), podium.saga():
        book_flight("Oslo")
        try:
            book_hotel("Nowhere")
        except Boom:
            book_hotel("Bergen")  # the failed booking registered nothing; the retry did
        raise RuntimeError("later")
    assert [c[0] for c in calls] == [
        "book_flight",
        "book_hotel",
        "book_hotel",
        "cancel_hotel",
        "cancel_flight",
    ]
    assert calls[3] == ("cancel_hotel", "H-Bergen", "Bergen")


def test_steps_outside_a_saga_register_nothing(trip):
    calls, book_flight, book_hotel, _ = trip
    book_flight("Oslo")
    with pytest.raises(Boom), podium.saga():
        book_hotel("Nowhere")
    assert [c[0] for c in calls] == ["book_flight", "book_hotel"]


def test_a_nested_saga_undoes_its_own_steps_then_the_outer_undoes_its(trip):
    calls, book_flight, book_hotel, book_car = trip
    with pytest.raises(Boom), podium.saga():
        book_flight("Oslo")
        with podium.saga():
            book_car("Oslo")
            book_hotel("Nowhere")
    assert [c[0] for c in calls][-2:] == ["cancel_car", "cancel_flight"]


def test_a_nested_saga_that_succeeds_hands_its_compensations_to_the_outer(trip):
    calls, book_flight, book_hotel, book_car = trip
    with pytest.raises(Boom), podium.saga() as outer:
        book_flight("Oslo")
        with podium.saga() as inner:
            book_car("Oslo")
        assert inner.compensations == []
        assert [c.step for c in outer.compensations] == ["book_flight", "book_car"]
        book_hotel("Nowhere")
    assert [c[0] for c in calls][-2:] == ["cancel_car", "cancel_flight"]


def test_an_error_caught_outside_the_saga_ends_the_unwinding_there(trip):
    calls, book_flight, book_hotel, _ = trip
    with podium.saga():
        try:
            with podium.saga():
                book_flight("Oslo")
                book_hotel("Nowhere")
        except Boom:
            pass
    assert [c[0] for c in calls] == ["book_flight", "book_hotel", "cancel_flight"]


def test_a_compensation_that_gives_up_stops_the_unwinding(app, trip):
    calls, book_flight, book_hotel, _ = trip

    @app.step(compensate=lambda booking, city: (_ for _ in ()).throw(OSError("car desk closed")))
    def book_car_badly(city):
        return f"C-{city}"

    with pytest.raises(podium.CompensationFailed) as caught, podium.saga():
        book_flight("Oslo")
        book_car_badly("Oslo")
        book_hotel("Nowhere")
    error = caught.value
    assert error.step == "book_car_badly"
    assert isinstance(error.original, Boom) and isinstance(error.error, OSError)
    assert error.__cause__ is error.error
    assert "OSError: car desk closed" in str(error) and "Boom: no hotel in Nowhere" in str(error)
    assert "cancel_flight" not in [c[0] for c in calls]  # stopped: resume retries from there


def test_compensation_failed_passes_through_outer_sagas(app, trip):
    calls, book_flight, book_hotel, _ = trip

    @app.step(compensate=lambda booking: (_ for _ in ()).throw(OSError("down")))
    def fragile():
        return 1

    with pytest.raises(podium.CompensationFailed), podium.saga():
        book_flight("Oslo")
        with podium.saga():
            fragile()
            book_hotel("Nowhere")
    assert "cancel_flight" not in [c[0] for c in calls]


@pytest.mark.parametrize(
    "signal", [errors.Suspend(None), errors.Release(), KeyboardInterrupt(), SystemExit(0)]
)
def test_engine_signals_and_base_exceptions_compensate_nothing(trip, signal):
    calls, book_flight, _, _ = trip
    with pytest.raises(type(signal)), podium.saga():
        book_flight("Oslo")
        raise signal
    assert calls == [("book_flight", "Oslo", 1)]


def test_compensations_retry_with_their_own_policy(app):
    attempts: list[int] = []

    @app.step(retry=podium.RetryPolicy(max_attempts=3, initial_delay=0, jitter=False))
    def refund(charge_id):
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("bank busy")

    @app.step(compensate=refund)
    def charge():
        return "ch-1"

    with pytest.raises(Boom), podium.saga():
        charge()
        raise Boom("after the charge")
    assert len(attempts) == 3


def test_async_saga_awaits_async_compensations(app):
    calls: list[str] = []

    @app.step
    async def release(seat):
        await asyncio.sleep(0)
        calls.append(f"release {seat}")

    @app.step(compensate=release)
    async def hold():
        return "12A"

    async def body():
        async with podium.saga():
            await hold()
            raise Boom("payment failed")

    with pytest.raises(Boom):
        asyncio.run(body())
    assert calls == ["release 12A"]


def test_a_sync_saga_refuses_async_compensations_without_warnings(app):
    @app.step
    async def release(seat):
        return None

    @app.step(compensate=release)
    def hold():
        return "12A"

    with pytest.raises(podium.ConfigurationError, match=r"async with podium\.saga"), podium.saga():
        hold()
        raise Boom("payment failed")


def test_compensate_becomes_a_registered_step(app):
    def undo(result):
        return None

    @app.step(compensate=undo)
    def do():
        return 1

    @app.step(name="charge", compensate=do)
    def charge_card():
        return 2

    made = do.options.compensate
    assert isinstance(made, StepDefinition) and made.name == "do.compensate" and made.fn is undo
    assert app.registry.steps["do.compensate"] is made
    assert charge_card.options.compensate is do  # an @app.step is used as it is


def test_compensate_must_be_callable(app):
    with pytest.raises(podium.ConfigurationError, match=r"compensate=42 of step 'do'"):

        @app.step(compensate=42)
        def do():
            return 1

    with pytest.raises(podium.ConfigurationError, match="must be a step"):
        StepOptions(compensate=print)  # type: ignore[arg-type]


def test_a_saga_object_is_entered_once_at_a_time():
    saga = podium.saga()
    with saga, pytest.raises(podium.ConfigurationError, match="already active"), saga:
        pass
    with saga:  # once left, it may be entered again
        pass


def test_a_saga_is_not_active_after_it_ends(trip):
    _, book_flight, _, _ = trip
    with podium.saga() as saga:
        pass
    book_flight("Oslo")
    assert saga.compensations == []
    assert saga_mod._active.get() is None
