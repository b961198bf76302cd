"""The dashboard is built from the store: other apps' workflows and breakers, child links."""

import pytest

import podium
from podium.server import render
from tests.server.login import login


def _other_app(app: podium.App) -> podium.App:
    url = app.settings.database_url
    other = podium.App("otherapp", database_url=url, poll_interval=0.02)
    other.circuit_breaker("ledger", failure_threshold=0.5, min_calls=2, window=60, cooldown=300)

    @other.step(circuit="ledger")
    def post(fail: bool) -> str:
        if fail:
            raise ConnectionError("ledger down")
        return "ok"

    @other.workflow
    def settle(n: int) -> int:
        return n

    for _ in range(2):
        with pytest.raises(ConnectionError):
            post(True)
    other.start("settle", 1, id="other-1")
    return other


def test_names_and_breakers_come_from_the_store_whatever_app_is_served(client, tokens, app):
    other = _other_app(app)
    try:
        login(client, tokens["read"])
        listing = client.get("/dashboard").text
        assert "<option>settle</option>" in listing and 'data-id="other-1"' in listing
        ops = client.get("/dashboard/operations").text
        assert 'data-breaker="ledger"' in ops and "declared by another app" in ops
        row = ops.split('data-breaker="ledger"')[1].split("</tr>")[0]
        assert "breaker open" in row
    finally:
        other.close()


def test_children_hidden_by_default_and_linked_both_ways(client, tokens, app: podium.App):
    @app.step
    def square(x: int) -> int:
        return x * x

    @app.workflow
    def fan(n: int) -> list[int]:
        return podium.gather(*[square.submit(i) for i in range(n)])  # type: ignore[no-any-return]

    with app.worker(concurrency=4):
        assert app.start(fan, 3, id="f1").result(timeout=30) == [0, 1, 4]
    login(client, tokens["read"])
    listing = client.get("/dashboard").text
    assert 'data-id="f1"' in listing and 'data-id="f1/0"' not in listing
    everything = client.get("/dashboard?children=1").text
    assert 'data-id="f1/0"' in everything and "↑ parent" in everything
    only = client.get("/dashboard?parent=f1").text
    assert 'data-id="f1/2"' in only and 'data-id="f1"' not in only
    page = client.get("/dashboard/workflows/f1").text
    assert 'id="children"' in page and 'href="/dashboard/workflows/f1%2F1"' in page
    assert '<pre id="input">3</pre>' in page
    child = client.get("/dashboard/workflows/f1%2F1").text
    assert 'id="parent-link" href="/dashboard/workflows/f1"' in child


def test_timer_rows_say_fired_once_past_and_inputs_lose_the_wrapper():
    event = {"kind": "sleep", "status": "scheduled", "finished_at": 10.0, "seq": 0}
    assert render.timer_state(event, 11.0)["status"] == "fired"
    assert render.timer_state(event, 9.0)["status"] == "scheduled"
    assert render.call_input({"args": [{"a": 1}], "kwargs": {}}) == {"a": 1}
    assert render.call_input({"args": [1, 2], "kwargs": {}}) == [1, 2]
    assert render.call_input({"args": [], "kwargs": {"x": 1}}) == {"x": 1}
    assert render.call_input({"args": [1], "kwargs": {"x": 1}}) == {"args": [1], "kwargs": {"x": 1}}
