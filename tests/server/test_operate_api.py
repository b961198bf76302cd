"""Queries, updates and pausing over HTTP: answers, every bad input as a 4xx, audit rows."""

from __future__ import annotations

from typing import Any

import podium

from .test_api import assert_error

W = "/api/v1/workflows"


def declare(app: podium.App) -> None:
    @app.workflow
    def cart() -> int:
        state = podium.state({"items": [], "open": True})
        podium.wait_condition(lambda: not state["open"], timeout=60)
        return len(state["items"])

    def check(state: dict[str, Any], item: Any) -> None:
        if not isinstance(item, str):
            raise ValueError("an item is a string")

    @cart.update("add", validator=check)
    def add(state: dict[str, Any], item: str) -> int:
        state["items"].append(item)
        return len(state["items"])

    @cart.update("close")
    def close(state: dict[str, Any]) -> None:
        state["open"] = False

    @cart.query("items")
    def items(state: dict[str, Any]) -> list[str]:
        return list(state["items"])


def test_query_update_pause_over_http(client, as_scope, app, wait_until) -> None:
    declare(app)
    h = app.start("cart", id="c-1")
    read, write, admin = as_scope("read"), as_scope("write"), as_scope("admin")
    with app.worker(2):
        wait_until(lambda: h.status() == "waiting")
        got = client.post(f"{W}/c-1/update", json={"name": "add", "arg": "A"}, headers=write)
        assert got.status_code == 200, got.text
        assert got.json() == {"result": 1}
        got = client.post(f"{W}/c-1/query", json={"name": "items"}, headers=read)
        assert got.json() == {"result": ["A"]}
        assert_error(
            client.post(f"{W}/c-1/update", json={"name": "add", "arg": 5}, headers=write),
            422,
            "update_rejected",
        )
        assert_error(
            client.post(f"{W}/c-1/query", json={"name": "nope"}, headers=read),
            404,
            "unknown_handler",
        )
        assert_error(client.post(f"{W}/c-1/update", json={"name": "add"}, headers=read), 403)
        assert_error(
            client.post(f"{W}/c-1/update", json={"name": "add", "bad": 1}, headers=write), 400
        )
        assert_error(
            client.post(f"{W}/nobody/query", json={"name": "items"}, headers=read),
            404,
            "unknown_workflow_id",
        )
        assert_error(client.post(f"{W}/c-1/pause", headers=write), 403)
        paused = client.post(f"{W}/c-1/pause", headers=admin)
        assert paused.status_code == 200 and paused.json()["paused_at"] is not None
        listing = client.get(W, headers=read).json()["items"]
        assert [w["paused_at"] is not None for w in listing if w["id"] == "c-1"] == [True]
        assert client.get(f"{W}/c-1", headers=read).json()["paused_at"] is not None
        unpaused = client.post(f"{W}/c-1/unpause", headers=admin)
        assert unpaused.json()["paused_at"] is None
        client.post(f"{W}/c-1/update", json={"name": "close"}, headers=write)
        assert h.result(timeout=10) == 1
    assert_error(
        client.post(f"{W}/c-1/update", json={"name": "add", "arg": "B"}, headers=write),
        409,
        "workflow_ended",
    )
    assert_error(client.post(f"{W}/c-1/pause", headers=admin), 409, "workflow_ended")
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=admin).json()]
    assert {"workflow.update", "workflow.pause", "workflow.unpause"} <= set(actions)


def test_pause_queue_over_http(client, as_scope, app) -> None:
    admin = as_scope("admin")
    got = client.post("/api/v1/queues/emails/pause", headers=admin)
    assert got.json() == {"queue": "emails", "paused": True}
    assert app.paused_queues() == ["emails"]
    assert_error(client.post("/api/v1/queues/emails/pause", headers=as_scope("write")), 403)
    got = client.post("/api/v1/queues/emails/resume", headers=admin)
    assert got.json() == {"queue": "emails", "paused": False}
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=admin).json()]
    assert {"queue.pause", "queue.resume"} <= set(actions)
