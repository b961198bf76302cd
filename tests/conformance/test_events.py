"""Events through the engine on both stores: publish, on_event triggers, wait_for_event, outbox."""

from __future__ import annotations

import collections
import datetime as dt
import json
import threading
from typing import Any

import pytest

import podium
from podium.server import cloudevents
from podium.store import events as es

from .conftest import AppFactory, Waiter

FAST_RETRY = podium.RetryPolicy(max_attempts=3, initial_delay=0, jitter=False)


def stored(app: podium.App, topic: str | None = None) -> list[es.Event]:
    return es.for_store(app.store).list_events(topic=topic)


def triggered(app: podium.App, workflow: str) -> list[str]:
    return sorted(info.id for info in app.list(workflow=workflow, limit=1000))


def test_publish_stores_the_event_once_per_id(app: podium.App):
    first = app.publish("order.created", {"id": 1}, key="1", id="e-1")
    again = app.publish("order.created", {"id": 999}, key="1", id="e-1")
    other = app.publish("order.created", {"id": 2})
    assert first == again == "e-1"
    assert other != first
    rows = stored(app)
    assert [(e.id, e.topic, e.key, json.loads(e.payload or "")) for e in rows] == [
        ("e-1", "order.created", "1", {"id": 1}),
        (other, "order.created", None, {"id": 2}),
    ]
    assert rows[0].seq < rows[1].seq


def test_on_event_starts_one_workflow_per_event_with_the_payload(app: podium.App):
    @app.workflow(on_event="order.created")
    def on_order(order: dict[str, Any]) -> int:
        return int(order["id"]) * 10

    app.publish("order.created", {"id": 4}, id="e-4")
    app.publish("order.created", {"id": 4}, id="e-4")
    app.publish("order.shipped", {"id": 4}, id="s-4")
    assert triggered(app, "on_order") == ["on_order:e-4"]
    with app.worker(concurrency=2):
        assert app.get("on_order:e-4").result(timeout=10) == 40


def test_trailing_wildcard_matches_the_prefix_only(app: podium.App):
    @app.workflow(on_event=["order.*", "audit"])
    def watch(payload: Any) -> Any:
        return payload

    for topic in ("order.created", "order.paid", "orders.created", "audit", "audit.x"):
        app.publish(topic, topic, id=topic)
    assert triggered(app, "watch") == ["watch:audit", "watch:order.created", "watch:order.paid"]


def test_events_from_another_app_start_subscribed_workflows(app_factory: AppFactory):
    subscriber = app_factory("shop")

    @subscriber.workflow(on_event="invoice.*", queue="billing")
    def bill(invoice: dict[str, Any]) -> str:
        return f"billed {invoice['n']}"

    subscriber.store  # noqa: B018 - opening the store writes the subscriptions
    publisher = app_factory("cli")  # knows no workflows at all
    publisher.publish("invoice.issued", {"n": 7}, id="inv-7")
    info = publisher.get("bill:inv-7").info()
    assert (info.workflow, info.queue) == ("bill", "billing")
    with subscriber.worker(queues=["billing"]):
        assert subscriber.get("bill:inv-7").result(timeout=10) == "billed 7"


def test_a_workflow_that_drops_on_event_stops_being_started(app_factory: AppFactory):
    old = app_factory("v1")

    @old.workflow(on_event="ping")
    def pong(payload: Any) -> Any:
        return payload

    old.store  # noqa: B018
    old.publish("ping", 1, id="p1")
    new = app_factory("v2")

    @new.workflow(name="pong")
    def pong_v2(payload: Any) -> Any:
        return payload

    new.store  # noqa: B018 - v2 knows pong and no longer subscribes it
    new.publish("ping", 2, id="p2")
    assert triggered(new, "pong") == ["pong:p1"]
    assert es.for_store(new.store).subscriptions() == []


def test_several_workers_run_each_event_workflow_once(app_factory: AppFactory):
    runs: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()
    apps = [app_factory(f"w{i}") for i in range(2)]
    for each in apps:

        @each.step
        def effect(n: int) -> int:
            with lock:
                runs[f"n{n}"] += 1
            return n

        @each.workflow(on_event="job")
        def job(n: int) -> int:
            return effect(n)

    ids = [apps[i % 2].publish("job", i, id=f"j{i}") for i in range(20)]
    with apps[0].worker(concurrency=4), apps[1].worker(concurrency=4):
        results = [apps[0].get(f"job:{i}").result(timeout=20) for i in ids]
    assert results == list(range(20))
    assert runs == {f"n{i}": 1 for i in range(20)}


def test_wait_for_event_returns_the_first_later_event_with_its_key(
    app: podium.App, wait_until: Waiter
):
    @app.workflow
    def settle(order_id: str) -> Any:
        return podium.wait_for_event("payment.settled", key=order_id, timeout=30)

    app.publish("payment.settled", {"early": True}, key="42")  # before the wait: not counted
    h = app.start(settle, "42")
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the workflow to wait")
        app.publish("payment.settled", {"other": True}, key="43")
        app.publish("payment.other", {"other": True}, key="42")
        app.publish("payment.settled", {"amount": 5}, key="42")
        app.publish("payment.settled", {"amount": 6}, key="42")
        assert h.result(timeout=10) == {"amount": 5}
    assert [e.kind for e in app.store.load_history(h.id)] == ["wait_for_event"]


def test_wait_for_event_without_key_takes_any_key(app: podium.App, wait_until: Waiter):
    @app.workflow
    def first(topic: str) -> Any:
        return podium.wait_for_event(topic)

    h = app.start(first, "tick")
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the workflow to wait")
        app.publish("tick", "a", key="k1")
        assert h.result(timeout=10) == "a"


def test_wait_for_event_times_out_with_none(app: podium.App):
    @app.workflow
    def patient() -> Any:
        return podium.wait_for_event("never", timeout=0.3)

    assert app.run(patient) is None
    history = app.store.load_history(app.list(workflow="patient")[0].id)
    assert [(e.kind, e.name, json.loads(e.payload or "")) for e in history] == [
        ("wait_for_event", "never", {"timeout": True})
    ]


def test_wait_for_event_with_since_sees_events_already_published(app: podium.App):
    @app.workflow
    def catch_up(since: float) -> Any:
        return podium.wait_for_event("report", key="7", timeout=5, since=since)

    before = dt.datetime.now(dt.UTC)
    app.publish("report", "old", key="7")
    assert app.run(catch_up, before.timestamp()) == "old"


def test_async_workflow_awaits_events(app: podium.App, wait_until: Waiter):
    @app.workflow
    async def arrive(key: str) -> Any:
        got = await podium.wait_for_event("arrival", key=key, timeout=30)
        late = await podium.wait_for_event("arrival", key=key, timeout=0.1)
        return [got, late]

    h = app.start(arrive, "k")
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the workflow to wait")
        app.publish("arrival", {"n": 1}, key="k")
        assert h.result(timeout=10) == [{"n": 1}, None]


def test_publish_in_a_workflow_happens_once_across_replays(app: podium.App):
    @app.workflow
    def announce() -> str:
        event_id: str = app.publish("announced", {"n": 1})
        podium.sleep(0.3)  # suspends: the workflow replays from the top afterwards
        return event_id

    result = app.run(announce, id="a1")
    assert result == "a1/0"
    assert [e.id for e in stored(app, "announced")] == ["a1/0"]
    assert [e.kind for e in app.store.load_history("a1")] == ["publish", "sleep"]


def test_publish_in_a_retried_step_publishes_one_event(app: podium.App):
    attempts: list[int] = []

    @app.step(retry=FAST_RETRY)
    def notify(n: int) -> int:
        app.publish("notified", n)
        app.publish("notified", n + 1)
        attempts.append(n)
        if len(attempts) < 2:
            raise ConnectionError("flaky")
        return n

    @app.workflow
    def flow() -> int:
        return int(notify(1))

    assert app.run(flow, id="f1") == 1
    rows = stored(app, "notified")
    assert [(e.id, e.payload, e.source) for e in rows] == [
        ("f1/0/notify/publish/0", "1", "f1"),
        ("f1/0/notify/publish/1", "2", "f1"),
    ]


def test_publish_in_a_workflow_starts_subscribers(app: podium.App):
    @app.workflow(on_event="child.requested")
    def child(n: int) -> int:
        return n + 1

    @app.workflow
    def parent() -> int:
        event_id = app.publish("child.requested", 41)
        return int(app.get(f"child:{event_id}").result(timeout=10))

    with app.worker(concurrency=4):
        assert app.get(app.start(parent, id="p").id).result(timeout=20) == 42


def test_cloudevents_structured_and_binary(app: podium.App):
    @app.workflow(on_event="com.example.order.created")
    def ce_order(data: Any) -> Any:
        return data

    structured = {
        "specversion": "1.0",
        "id": "A-1",
        "source": "/shop",
        "type": "com.example.order.created",
        "subject": "order-1",
        "datacontenttype": "application/json",
        "data": {"id": 1},
    }
    published = cloudevents.publish_cloudevent(app, structured)
    assert (published.created, published.started) == (True, ("ce_order:/shop:A-1",))
    assert published.event.key == "order-1"
    assert not cloudevents.publish_cloudevent(app, structured).created
    headers = {
        "Content-Type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": "A-2",
        "ce-source": "/shop",
        "ce-type": "com.example.order.created",
    }
    binary = cloudevents.cloudevent_from_http(headers, b'{"id": 2}')
    assert cloudevents.publish_cloudevent(app, binary).started == ("ce_order:/shop:A-2",)
    with app.worker():
        assert app.get("ce_order:/shop:A-1").result(timeout=10) == {"id": 1}
        assert app.get("ce_order:/shop:A-2").result(timeout=10) == {"id": 2}
    summary = cloudevents.describe(published)
    assert summary["event"]["payload"] == {"id": 1}


def test_invalid_cloudevent_is_refused(app: podium.App):
    with pytest.raises(cloudevents.InvalidCloudEvent, match="type"):
        cloudevents.publish_cloudevent(app, {"specversion": "1.0", "id": "x", "source": "/s"})
    assert stored(app) == []
