"""Messages to one workflow on both stores: in order per topic, exactly once into history."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

import podium
from podium.store import events as es

from .conftest import Waiter


def received(app: podium.App, workflow_id: str) -> list[tuple[str, int]]:
    """(topic, message seq) of every receive recorded in the workflow's history."""
    return [
        (e.name, json.loads(e.payload or "")["seq"])
        for e in app.store.load_history(workflow_id)
        if e.kind == "receive"
    ]


def test_messages_arrive_in_order_per_topic_and_once(app: podium.App, wait_until: Waiter):
    @app.workflow
    def collect(n: int) -> list[Any]:
        got = []
        for _ in range(n):
            got.append(podium.receive("item", timeout=30))
            podium.sleep(0.01)
        got.append(podium.receive("done", timeout=30))
        return got

    h = app.start(collect, 3, id="c1")
    h.send("item", "a")  # sent before the workflow ever runs: kept in its inbox
    h.send("done", True)
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the workflow to wait")
        h.send("item", "b")
        h.send("item", "c")
        assert h.result(timeout=10) == ["a", "b", "c", True]
    assert received(app, "c1") == [("item", 1), ("item", 2), ("item", 3), ("done", 1)]


def test_receive_times_out_with_none_and_a_later_message_is_kept(app: podium.App):
    @app.workflow
    def ask() -> list[Any]:
        first = podium.receive("answer", timeout=0.2)
        podium.sleep(0.3)
        return [first, podium.receive("answer", timeout=0)]

    h = app.start(ask, id="q1")
    assert app.run(ask, id="q1") == [None, None]
    assert h.status() == "completed"

    h2 = app.start(ask, id="q2")
    h2.send("answer", 42)
    assert app.run(ask, id="q2") == [42, None]


def test_send_with_an_id_is_idempotent(app: podium.App):
    @app.workflow
    def two() -> list[Any]:
        return [podium.receive("m", timeout=0), podium.receive("m", timeout=0)]

    h = app.start(two, id="t1")
    assert h.send("m", 1, id="m-1") == "m-1"
    assert h.send("m", 999, id="m-1") == "m-1"
    assert [m.payload for m in es.for_store(app.store).messages("t1", "m")] == ["1"]
    assert app.run(two, id="t1") == [1, None]


def test_send_to_an_unknown_workflow_raises(app: podium.App):
    @app.workflow
    def known() -> None:
        return None

    h = app.start(known, id="k1")
    with pytest.raises(podium.WorkflowNotFound):
        podium.WorkflowHandle(app.runtime, "nope").send("m", 1)
    assert h.send("m", 1)


def test_async_workflow_receives(app: podium.App, wait_until: Waiter):
    @app.workflow
    async def inbox() -> Any:
        return await podium.receive("ping", timeout=30)

    h = app.start(inbox, id="ai")
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the workflow to wait")
        h.send("ping", {"pong": True})
        assert h.result(timeout=10) == {"pong": True}


def test_send_from_a_workflow_is_recorded_once(app: podium.App):
    @app.workflow
    def target() -> Any:
        return podium.receive("hello", timeout=30)

    @app.workflow
    def sender(to: str) -> str:
        message_id: str = app.get(to).send("hello", "hi")
        podium.sleep(0.3)  # replays from the top: the send is not repeated
        return message_id

    app.start(target, id="tgt")
    assert app.run(sender, "tgt", id="snd") == "snd/0"
    assert [m.id for m in es.for_store(app.store).messages("tgt", "hello")] == ["snd/0"]
    assert [e.kind for e in app.store.load_history("snd")] == ["send", "sleep"]
    assert app.run(target, id="tgt") == "hi"


def test_receive_outside_a_workflow_is_an_error(app: podium.App):
    @app.step
    def inside_step() -> Any:
        return podium.receive("x")

    @app.workflow
    def wf() -> Any:
        return inside_step()

    with pytest.raises(podium.PodiumError, match="outside a workflow body"):
        podium.receive("x")
    with pytest.raises(podium.WorkflowFailed, match="outside a workflow body"):
        app.run(wf)


def test_wait_timeouts_take_a_moment_like_sleep_until(app: podium.App):
    @app.workflow
    def patient() -> list[Any]:
        soon = podium.now() + datetime.timedelta(seconds=0.3)
        return [
            podium.receive("never", timeout=soon),
            podium.wait_for_event("nobody.publishes", timeout=datetime.timedelta(seconds=0.3)),
        ]

    assert app.run(patient) == [None, None]

    @app.workflow
    def naive() -> None:
        podium.receive("x", timeout=datetime.datetime(2030, 1, 1))

    with pytest.raises(podium.WorkflowFailed, match="timezone-aware"):
        app.run(naive, id="naive")
