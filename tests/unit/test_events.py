"""Pure parts of events and messages: patterns, checks, CloudEvents decoding, step-scoped ids."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
from typing import Any

import pytest

import podium
from podium import context, serialization
from podium.engine import history
from podium.patterns import events
from podium.store import events as es


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("order.created", "order.created", True),
        ("order.created", "order.created.v2", False),
        ("order.*", "order.created", True),
        ("order.*", "order.", True),
        ("order.*", "orders.created", False),
        ("order.*", "order", False),
        ("*", "anything", True),
    ],
)
def test_matches(pattern, topic, expected):
    assert es.matches(pattern, topic) is expected


def test_triggered_workflow_id_derives_from_the_event_id():
    assert es.workflow_id("bill", "inv-7") == "bill:inv-7"


@pytest.mark.parametrize("bad", ["", "  ", "a*b", "*.x", "a.**", 5, None, "x" * 201])
def test_bad_patterns_are_refused(bad):
    with pytest.raises(podium.ConfigurationError):
        events.check_on_event([bad])


def test_on_event_takes_a_string_or_a_list():
    assert events.check_on_event("a.*") == ("a.*",)
    assert events.check_on_event(["a", "b.*"]) == ("a", "b.*")
    assert events.check_on_event(None) == ()
    with pytest.raises(podium.ConfigurationError, match="at least one"):
        events.check_on_event([])


def test_a_published_topic_may_not_be_a_pattern():
    with pytest.raises(podium.ConfigurationError, match="'\\*'"):
        events.check_name("order.*", "topic")


def test_on_event_workflow_must_take_the_payload():
    app = podium.App("unit", database_url="sqlite:///:memory:")
    with pytest.raises(podium.ConfigurationError, match="one argument"):

        @app.workflow(on_event="x")
        def two(a: int, b: int) -> None: ...

    @app.workflow(on_event="x")
    def one(payload: Any, extra: int = 0) -> None: ...

    assert one.options.on_event == ("x",)
    app.close()


def test_subscriptions_of_definitions():
    app = podium.App("unit", database_url="sqlite:///:memory:")

    @app.workflow(on_event=["a", "b.*"], queue="q", timeout=5)
    def sub(payload: Any) -> None: ...

    @app.workflow
    def plain() -> None: ...

    assert events.subscriptions(app.registry.workflows.values()) == [
        es.Subscription("sub", "a", "q", 5),
        es.Subscription("sub", "b.*", "q", 5),
    ]
    app.close()


def test_timeouts_and_since():
    assert events.check_timeout(None) is None
    assert events.check_timeout(dt.timedelta(minutes=1)) == dt.timedelta(minutes=1)
    for bad in (-1, True, "5", dt.datetime(2030, 1, 1)):
        with pytest.raises(podium.ConfigurationError):
            events.check_timeout(bad)  # type: ignore[arg-type]
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert events._moment(moment) == moment.timestamp()
    assert events._moment(12.5) == 12.5
    with pytest.raises(podium.ConfigurationError):
        events._moment("yesterday")  # type: ignore[arg-type]


def test_subscriber_input_is_the_serialized_one_argument_call():
    payload = {"when": dt.date(2024, 1, 2), "n": [1, 2]}
    new = events.new_event("e", "t", None, serialization.dumps(payload), None)
    assert new.input == serialization.dumps_call((payload,), {}, owner="x")
    assert serialization.loads_call(new.input) == ([payload], {})


def test_step_scoped_ids_count_per_attempt_and_action():
    assert events.step_scoped_id("publish") is None
    first = context.StepContext("wf", 3, "notify", 1)
    token = context.current_step.set(first)
    try:
        ids = [events.step_scoped_id("publish"), events.step_scoped_id("publish")]
        sent = events.step_scoped_id("send")
    finally:
        context.current_step.reset(token)
    assert ids == ["wf/3/notify/publish/0", "wf/3/notify/publish/1"]
    assert sent == "wf/3/notify/send/0"
    retry = context.StepContext("wf", 3, "notify", 2)  # another attempt starts again at 0
    token = context.current_step.set(retry)
    try:
        assert events.step_scoped_id("publish") == "wf/3/notify/publish/0"
    finally:
        context.current_step.reset(token)
    del first, retry
    gc.collect()
    assert events._step_counts == {}


def test_ready_is_awaitable():
    async def main() -> Any:
        return await context.Ready(7)

    assert asyncio.run(main()) == 7


def test_waits_need_a_workflow():
    with pytest.raises(podium.PodiumError, match="outside a workflow"):
        podium.wait_for_event("t")
    with pytest.raises(podium.PodiumError, match="outside a workflow"):
        podium.receive("t")


def test_divergence_names_the_topic():
    assert history.describe("wait_for_event", "paid") == "podium.wait_for_event('paid')"
    assert history.describe("sleep", "sleep") == "podium.sleep()"
