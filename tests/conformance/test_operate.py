"""Queries, updates, pausing workflows and queues, on both stores."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

import podium
from podium.store import operate

from .conftest import Waiter


def declare(app: podium.App) -> Any:
    """A cart workflow: items arrive by update until `close`; then a step totals them."""

    @app.step
    def total(items: list[dict[str, Any]]) -> int:
        return sum(int(i["qty"]) for i in items)

    @app.workflow
    def cart(owner: str) -> dict[str, Any]:
        state = podium.state({"owner": owner, "items": [], "open": True})
        podium.wait_condition(lambda: not state["open"], timeout=60)
        return {"total": total(state["items"]), "n": len(state["items"])}

    def check(state: dict[str, Any], item: Any) -> None:
        if not isinstance(item, dict) or "sku" not in item:
            raise ValueError("an item is a dict with a 'sku'")
        if not state["open"]:
            raise ValueError("the cart is closed")

    @cart.update("add", validator=check)
    def add(state: dict[str, Any], item: dict[str, Any]) -> int:
        state["items"].append({"sku": item["sku"], "qty": item.get("qty", 1)})
        return len(state["items"])

    @cart.update("boom")
    def boom(state: dict[str, Any], arg: Any) -> None:
        state["items"].append("half-done")
        raise RuntimeError("handler broke")

    @cart.update("close")
    def close(state: dict[str, Any]) -> str:
        state["open"] = False
        return "closed"

    @cart.query("count")
    def count(state: dict[str, Any]) -> int:
        return len(state["items"])

    return cart


def updates_in_history(app: podium.App, workflow_id: str) -> list[dict[str, Any]]:
    return [
        json.loads(e.payload or "{}")
        for e in app.store.load_history(workflow_id)
        if e.kind == "update"
    ]


def test_query_and_update_round_trip(app: podium.App, wait_until: Waiter) -> None:
    cart = declare(app)
    h = app.start(cart, "ann", id="cart-1")
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the cart to wait")
        assert h.query("count") == 0
        assert h.update("add", {"sku": "A", "qty": 2}, timeout=10) == 1
        assert h.update("add", {"sku": "B"}, timeout=10) == 2
        assert h.query("count") == 2
        assert h.update("close", timeout=10) == "closed"
        assert h.result(timeout=10) == {"total": 3, "n": 2}
    assert h.query("count") == 2  # a finished workflow still answers from its last state
    outcomes = updates_in_history(app, "cart-1")
    assert [o["outcome"] for o in outcomes] == ["applied", "applied", "applied"]


def test_rejected_update_writes_nothing(app: podium.App, wait_until: Waiter) -> None:
    cart = declare(app)
    h = app.start(cart, "bob", id="cart-2")
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the cart to wait")
        before = len(app.store.load_history("cart-2"))
        with pytest.raises(podium.UpdateRejected, match="sku"):
            h.update("add", {"nope": 1}, timeout=10)
        assert len(app.store.load_history("cart-2")) == before
        assert es_inbox(app, "cart-2") == 0
        h.update("close", timeout=10)
        h.result(timeout=10)


def es_inbox(app: podium.App, workflow_id: str) -> int:
    from podium.store import events as es

    return len(es.for_store(app.store).messages(workflow_id, "podium.update"))


def test_failing_handler_leaves_state_unchanged(app: podium.App, wait_until: Waiter) -> None:
    cart = declare(app)
    h = app.start(cart, "cy", id="cart-3")
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the cart to wait")
        with pytest.raises(podium.UpdateFailed, match="handler broke"):
            h.update("boom", 1, timeout=10)
        assert h.query("count") == 0
        h.update("close", timeout=10)
        assert h.result(timeout=10) == {"total": 0, "n": 0}


def test_bad_input_names_the_workflow_and_writes_nothing(
    app: podium.App, wait_until: Waiter
) -> None:
    cart = declare(app)
    h = app.start(cart, "dee", id="cart-4")
    with pytest.raises(podium.UnknownHandler, match=r"cart-4.*'count'"):
        h.query("missing")
    with pytest.raises(podium.UnknownHandler, match="'add', 'boom', 'close'"):
        h.update("missing", 1)
    with pytest.raises(podium.ConfigurationError, match="takes no argument"):
        h.update("close", 5)
    with pytest.raises(podium.ConfigurationError, match="no state yet"):
        h.query("count")
    assert es_inbox(app, "cart-4") == 0
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the cart to wait")
        h.update("close", timeout=10)
        h.result(timeout=10)
    with pytest.raises(podium.WorkflowEnded, match=r"cart-4.*completed"):
        h.update("add", {"sku": "Z"})
    with pytest.raises(podium.WorkflowEnded, match="cart-4"):
        h.pause()
    with pytest.raises(podium.WorkflowNotFound):
        app.get("nobody")


def test_update_id_is_idempotent(app: podium.App, wait_until: Waiter) -> None:
    cart = declare(app)
    h = app.start(cart, "eve", id="cart-5")
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the cart to wait")
        assert h.update("add", {"sku": "A"}, id="u-1", timeout=10) == 1
        assert h.update("add", {"sku": "A"}, id="u-1", timeout=10) == 1
        assert h.query("count") == 1
        h.update("close", timeout=10)
        h.result(timeout=10)


def test_update_sent_before_the_workflow_runs_is_applied(app: podium.App) -> None:
    cart = declare(app)
    h = app.start(cart, "fay", id="cart-6")
    answers: list[Any] = []
    sender = threading.Thread(target=lambda: answers.append(h.update("add", {"sku": "Q"})))
    sender.start()
    time.sleep(0.2)
    with app.worker():
        sender.join(timeout=20)
        assert answers == [1]
        h.update("close", timeout=10)
        assert h.result(timeout=10) == {"total": 1, "n": 1}


def test_update_times_out_and_stays_queued(app: podium.App) -> None:
    cart = declare(app)
    h = app.start(cart, "gus", id="cart-7")
    with pytest.raises(TimeoutError, match="stays queued"):
        h.update("add", {"sku": "A"}, timeout=0.1, id="late")
    with app.worker():
        assert h.update("add", {"sku": "A"}, id="late", timeout=10) == 1
        h.update("close", timeout=10)
        assert h.result(timeout=10)["n"] == 1


def test_pause_stops_new_steps_and_unpause_resumes(app: podium.App, wait_until: Waiter) -> None:
    gate = threading.Event()
    ran: list[str] = []

    @app.step
    def slow(name: str) -> str:
        ran.append(name)
        if name == "first":
            gate.wait(10)
        return name

    @app.workflow
    def two() -> list[str]:
        return [slow("first"), slow("second")]

    h = app.start(two, id="p-1")
    with app.worker():
        wait_until(lambda: ran == ["first"], what="the first step to start")
        assert h.pause() is True
        assert h.pause() is False
        assert h.info().paused
        gate.set()
        wait_until(lambda: h.status() == "waiting", what="the paused run to suspend")
        time.sleep(0.3)
        assert ran == ["first"]  # the step in flight finished; nothing new started
        steps = [e.name for e in app.store.load_history("p-1") if e.kind == "step"]
        assert steps == ["slow"]
        assert h.unpause() is True
        assert h.result(timeout=10) == ["first", "second"]
    assert not h.info().paused


def test_paused_pending_workflow_is_not_claimed(app: podium.App, wait_until: Waiter) -> None:
    @app.workflow
    def hello() -> str:
        return "hi"

    h = app.start(hello, id="p-2")
    h.pause()
    with app.worker():
        time.sleep(0.3)
        assert h.status() == "pending"
        assert [i.id for i in app.list() if i.paused] == ["p-2"]
        h.unpause()
        assert h.result(timeout=10) == "hi"


def test_pause_queue(app: podium.App, wait_until: Waiter) -> None:
    @app.workflow(queue="emails")
    def email() -> str:
        return "sent"

    app.pause_queue("emails")
    assert app.paused_queues() == ["emails"]
    h = app.start(email, id="q-1")
    with app.worker():
        time.sleep(0.3)
        assert h.status() == "pending"
        app.resume_queue("emails")
        assert h.result(timeout=10) == "sent"
    assert app.paused_queues() == []
    with pytest.raises(podium.ConfigurationError):
        app.pause_queue("")


def test_state_snapshot_is_fenced_with_its_history(app: podium.App, wait_until: Waiter) -> None:
    cart = declare(app)
    h = app.start(cart, "hal", id="cart-8")
    with app.worker():
        wait_until(lambda: h.status() == "waiting", what="the cart to wait")
        h.update("add", {"sku": "A"}, timeout=10)
        found = operate.for_store(app.store).state("cart-8")
        assert found is not None
        seq = found[1]
        row = next(e for e in app.store.load_history("cart-8") if e.seq == seq)
        assert row.kind == "update"
        h.update("close", timeout=10)
        h.result(timeout=10)
