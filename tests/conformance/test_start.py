"""app.start: durable, idempotent per id, validated before anything is written."""

import datetime as dt
import math

import pytest

import podium

from .conftest import AppFactory, Waiter


def test_same_id_twice_is_one_workflow_run_once(app: podium.App):
    runs: list[str] = []

    @app.workflow
    def job(x: int) -> int:
        runs.append("run")
        return x

    first = app.start(job, 1, id="order-42")
    second = app.start(job, 1, id="order-42")
    assert first == second
    assert first.status() == "pending"
    with app.worker():
        assert first.result(timeout=10) == 1
        assert app.start(job, 1, id="order-42").result(timeout=10) == 1
    assert runs == ["run"]
    assert [info.id for info in app.list()] == ["order-42"]


def test_id_of_another_workflow_is_refused(app: podium.App):
    @app.workflow
    def checkout() -> None: ...

    @app.workflow
    def refund() -> None: ...

    app.start(checkout, id="order-1")
    with pytest.raises(podium.ConfigurationError) as caught:
        app.start(refund, id="order-1")
    assert "'checkout'" in str(caught.value) and "'refund'" in str(caught.value)
    assert [info.workflow for info in app.list()] == ["checkout"]


@pytest.mark.parametrize(
    ("value", "named"),
    [({1, 2}, "set"), (object(), "object"), (math.nan, "float")],
    ids=["set", "object", "nan"],
)
def test_unserializable_argument_writes_nothing(app: podium.App, value: object, named: str):
    @app.workflow
    def ship(order: object, note: str = "") -> None: ...

    with pytest.raises(podium.SerializationError) as caught:
        app.start(ship, value, id="bad")
    message = str(caught.value)
    assert "'order'" in message and "'ship'" in message and named in message
    with pytest.raises(podium.SerializationError, match="'note'"):
        app.start(ship, {}, note=value)
    assert app.list() == []


def test_argument_over_the_payload_limit_writes_nothing(app_factory: AppFactory):
    app = app_factory(max_payload_bytes=100)

    @app.workflow
    def echo(text: str) -> str:
        return text

    with pytest.raises(podium.SerializationError, match="payload limit"):
        app.start(echo, "x" * 200)
    assert app.list() == []
    assert app.run(echo, "small") == "small"


def test_arguments_must_fit_the_signature(app: podium.App):
    @app.workflow
    def two(a: int, b: int) -> int:
        return a + b

    with pytest.raises(TypeError, match="'two'"):
        app.start(two, 1)
    assert app.list() == []


@pytest.mark.parametrize("bad_id", ["", "   ", "x" * 201, 42])
def test_bad_ids_are_refused(app: podium.App, bad_id: object):
    @app.workflow
    def job() -> None: ...

    with pytest.raises(podium.ConfigurationError, match="workflow id"):
        app.start(job, id=bad_id)  # type: ignore[arg-type]


@pytest.mark.parametrize("delay", [0.3, dt.timedelta(milliseconds=300)], ids=["float", "td"])
def test_delay_defers_the_start(app: podium.App, delay: float | dt.timedelta):
    @app.workflow
    def stamp() -> float:
        return podium.now().timestamp()

    handle = app.start(stamp, delay=delay, id="later")
    record = app.store.get_workflow("later")
    assert record is not None and record.ready_at is not None
    assert record.ready_at == pytest.approx(record.created_at + 0.3)
    started = app.run(stamp, id="later")
    assert started >= record.created_at + 0.3
    assert handle.status() == "completed"


def test_delayed_workflow_is_not_claimed_early(app: podium.App, wait_until: Waiter):
    @app.workflow
    def job(n: int) -> int:
        return n

    later = app.start(job, 1, delay=3600)
    with app.worker():
        assert app.start(job, 2).result(timeout=10) == 2
        with pytest.raises(TimeoutError):
            later.result(timeout=0.1)
    assert later.status() == "pending"


def test_negative_delay_and_bad_priority_are_refused(app: podium.App):
    @app.workflow
    def job() -> None: ...

    with pytest.raises(podium.ConfigurationError, match="delay"):
        app.start(job, delay=-1)
    with pytest.raises(podium.ConfigurationError, match="priority"):
        app.start(job, priority="high")  # type: ignore[arg-type]
    with pytest.raises(podium.ConfigurationError, match="timeout"):
        app.start(job, timeout=0)
    assert app.list() == []


def test_the_signature_check_still_refuses_what_does_not_bind(app: podium.App):
    """`bind` skips `inspect` only for one positional argument per plain parameter."""

    @app.workflow
    def plain(a: int, b: int) -> int:
        return a + b

    @app.workflow
    def keyword_only(a: int, *, b: int) -> int:
        return a + b

    @app.workflow
    def many(*values: int) -> int:
        return sum(values)

    assert app.run(plain, 1, 2) == 3
    assert app.run(many, 1, 2, 3) == 6
    with pytest.raises(TypeError, match="'plain'"):
        app.start(plain, 1, 2, 3)
    with pytest.raises(TypeError, match="'plain'"):
        app.start(plain, 1, 2, a=1)
    with pytest.raises(TypeError, match="'keyword_only'"):
        app.start(keyword_only, 1, 2)
    assert app.run(keyword_only, 1, b=2) == 3
