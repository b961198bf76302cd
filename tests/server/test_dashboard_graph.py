"""A Python workflow's DAG drawn from its history, and a saga's unwinding drawn as a band."""

from __future__ import annotations

import re
from typing import Any

import podium
from podium import serialization
from podium.server import graph_view, unwind
from podium.store import browse
from podium.store.children import Children
from tests.server.login import login


def fan_in_app(app: podium.App) -> podium.App:
    """Add `fan_in`: three submitted steps gathered, then a step that adds them up."""

    @app.step
    def part(n: int) -> int:
        return n * 10

    @app.step
    def total(values: list[int]) -> int:
        return sum(values)

    @app.workflow
    def fan_in(n: int) -> int:
        values = podium.gather(*[part.submit(i) for i in range(n)])
        return total(values)

    return app


def detail(client: Any, app: podium.App, workflow_id: str) -> dict[str, Any]:
    """The workflow's API detail with its children, as the dashboard page reads it."""
    data: dict[str, Any] = client.get(f"/api/v1/workflows/{workflow_id}").json()
    where = browse.Filter(parent_id=workflow_id)
    data["children"] = browse.Browser(app.store).workflows(where, 100, 0)
    return data


def test_a_fan_out_of_three_and_a_step_is_a_diamond(client, tokens, app: podium.App):
    fan_in_app(app)
    app.start("fan_in", 3, id="fan-1")
    with app.worker(3):
        assert app.get("fan-1").result(timeout=30) == 30
    gather = next(e for e in app.store.load_history("fan-1") if e.kind == "gather")
    assert serialization.loads(gather.payload) == {"joined": [0, 1, 2], "results": [0, 10, 20]}
    client.headers["Authorization"] = f"Bearer {tokens['read']}"
    graph = graph_view.build(detail(client, app, "fan-1"))
    rows = [[n.key for n in row] for row in graph.rows]
    assert rows == [["start"], ["c0", "c1", "c2"], ["p3"], ["p4"], ["end"]]
    assert not graph.sequence
    assert sorted(graph.edges) == [
        ("c0", "p3"),
        ("c1", "p3"),
        ("c2", "p3"),
        ("p3", "p4"),
        ("p4", "end"),
        ("start", "c0"),
        ("start", "c1"),
        ("start", "c2"),
    ]
    nodes = graph.nodes()
    assert [nodes[k].href for k in ("c0", "c1", "c2")] == [
        "/dashboard/workflows/fan-1%2F0",
        "/dashboard/workflows/fan-1%2F1",
        "/dashboard/workflows/fan-1%2F2",
    ]
    assert {nodes[k].status for k in ("c0", "c1", "c2", "p4")} == {"completed"}
    assert nodes["p3"].label == "gather (3)" and nodes["p4"].label == "total"

    login(client, tokens["read"])
    html = client.get("/dashboard/workflows/fan-1").text
    section = html.split('id="graph"')[1].split("</section>")[0]
    assert section.count('class="dag-node child completed"') == 3
    assert len(re.findall(r'class="dag-edge" data-from="c\d" data-to="p3"', section)) == 3
    assert 'href="/dashboard/workflows/fan-1%2F1"' in section


def test_steps_between_the_fan_out_and_the_gather_and_a_wide_fan_out(
    client, tokens, app: podium.App
):
    @app.step
    def part(n: int) -> int:
        return n

    @app.step
    def meanwhile() -> str:
        return "done"

    @app.workflow
    def wide(n: int) -> int:
        futures = [part.submit(i) for i in range(n)]
        meanwhile()
        return sum(podium.gather(*futures))

    app.start("wide", 12, id="wide-1")
    with app.worker(4):
        assert app.get("wide-1").result(timeout=30) == 66
    client.headers["Authorization"] = f"Bearer {tokens['read']}"
    graph = graph_view.build(detail(client, app, "wide-1"))
    start, fan_out, *rest = graph.rows
    assert [n.label for n in start] == ["wide"]
    assert [n.kind for n in fan_out] == ["child"] * graph_view.SIDE + ["more"]
    assert fan_out[-1].label == f"+{12 - graph_view.SIDE} more"
    assert fan_out[-1].href == "/dashboard?parent=wide-1"
    assert [[n.key for n in row] for row in rest] == [["p12"], ["p13"], ["end"]]
    assert ("start", "p12") in graph.edges  # the main line goes on beside the children
    into_gather = {a for a, b in graph.edges if b == "p13"}
    assert into_gather == {n.key for n in fan_out} | {"p12"}  # the main line and every child


def test_a_history_from_before_recorded_joins_is_a_sequence(client, tokens, app: podium.App):
    fan_in_app(app)
    app.start("fan_in", 2, id="old-1")
    with app.worker(2):
        app.get("old-1").result(timeout=30)
    # a gather as recorded before gathers named their children: the bare list of results
    conn = app.store.connector
    conn.execute(
        "UPDATE podium_history SET payload = :p WHERE workflow_id = :w AND kind = 'gather'",
        {"p": "[0, 10]", "w": "old-1"},
    )
    client.headers["Authorization"] = f"Bearer {tokens['read']}"
    graph = graph_view.build(detail(client, app, "old-1"))
    assert graph.sequence
    keys = [[n.key for n in row] for row in graph.rows]
    assert keys == [["start"], ["c0"], ["c1"], ["p2"], ["p3"], ["end"]]
    assert graph.edges == [
        ("start", "c0"),
        ("c0", "c1"),
        ("c1", "p2"),
        ("p2", "p3"),
        ("p3", "end"),
    ]
    login(client, tokens["read"])
    html = client.get("/dashboard/workflows/old-1").text
    assert 'id="dag-sequence"' in html


def test_a_failed_saga_unwinds_in_a_band(client, tokens, app: podium.App):
    app.start("checkout", {"id": "z", "fail": True}, id="order-z")
    with app.worker(1):
        app.runtime.wait_for_end("order-z", timeout=20)
    client.headers["Authorization"] = f"Bearer {tokens['read']}"
    data = detail(client, app, "order-z")
    (band,) = unwind.bands(data["history"])
    assert band.reason == "ValueError: no courier for this address"
    assert [(u.step, u.step_seq) for u in band.undos] == [("hold", 0)]
    assert band.undos[0].label() == (
        "compensating hold (#0) for ValueError: no courier for this address"
    )
    graph = graph_view.build(data)
    ((first, last, caption),) = graph.bands
    assert [n.kind for row in graph.rows[first : last + 1] for n in row] == [
        "saga",
        "compensation",
    ]
    assert caption.startswith("Unwinding: compensating 1 step, newest first")
    assert graph.undone == [("p5", "p0")]  # the compensation points back at the step it undoes

    login(client, tokens["read"])
    html = client.get("/dashboard/workflows/order-z").text
    timeline = html.split('id="timeline"')[1].split("</section>")[0]
    unwinding = timeline.split('class="tl-unwind"')[1]
    assert 'data-step="hold.compensate"' in unwinding
    assert "compensating hold (#0) for ValueError: no courier for this address" in unwinding
    assert 'data-step="ship"' not in unwinding  # the failed forward step stays above
    assert 'class="unwind-band"' in html.split('id="graph"')[1]


def test_unwinding_matches_each_compensation_to_the_newest_undone_step():
    history = [
        {"seq": 0, "kind": "step", "name": "book", "status": "completed"},
        {"seq": 1, "kind": "step", "name": "book", "status": "completed"},
        {"seq": 2, "kind": "step", "name": "pay", "status": "completed"},
        {"seq": 3, "kind": "step", "name": "ship", "status": "failed"},
        {"seq": 4, "kind": "saga", "name": "saga", "status": "completed", "payload": {}},
        {"seq": 5, "kind": "step", "name": "pay.compensate", "status": "completed"},
        {"seq": 6, "kind": "step", "name": "book.compensate", "status": "completed"},
        {"seq": 7, "kind": "step", "name": "book.compensate", "status": "failed"},
    ]
    (band,) = unwind.bands(history)
    assert [(u.seq, u.step, u.step_seq) for u in band.undos] == [
        (5, "pay", 2),
        (6, "book", 1),
        (7, "book", 0),
    ]
    assert band.undos[0].label() == "compensating pay (#2) for an error"
    assert band.positions == {4, 5, 6, 7}


def test_a_long_windowed_map_is_cut_short_and_child_statuses_are_looked_up(
    client, tokens, app: podium.App
):
    @app.step
    def part(n: int) -> int:
        return n

    @app.workflow
    def trickle(n: int) -> list[int]:
        return podium.map(part, range(n), max_concurrency=1)  # type: ignore[no-any-return]

    app.start("trickle", 40, id="trickle-1")
    with app.worker(2):
        assert app.get("trickle-1").result(timeout=60) == list(range(40))
    client.headers["Authorization"] = f"Bearer {tokens['read']}"
    data = {**detail(client, app, "trickle-1"), "children": []}  # none listed on the page
    graph = graph_view.build(data)
    assert len(graph.rows) == graph_view.MAX_ROWS + 1
    rest = graph.rows[-1][0]
    assert rest.key == "rest" and rest.label.startswith("+") and "more positions" in rest.label
    assert {n.status for row in graph.rows for n in row if n.kind == "child"} == {""}
    assert [n.key for n in graph.rows[1]] == ["c0"]  # one child at a time
    assert graph.rows[2][0].label == "map window"
    assert ("c0", "p1") in graph.edges and ("start", "p1") not in graph.edges  # c0 ended
    assert ("p1", "c2") in graph.edges  # the next child once the window moved on

    asked: list[list[str]] = []

    def statuses(ids: list[str]) -> dict[str, str]:
        asked.append(ids)
        return {i: c.status for i, c in Children(app.store.connector).states(ids).items()}

    html = graph_view.section(data, statuses)
    assert len(asked) == 1 and "trickle-1/0" in asked[0]  # one look-up for every drawn child
    drawn = len(re.findall(r'class="dag-node child completed"', html))
    assert drawn == len(asked[0]) > 20
    assert 'data-node="rest"' in html


def test_a_workflow_of_one_step_or_none_draws_no_graph(client, tokens, app: podium.App):
    assert app.run("add", 1, 2, id="sum-1") == 3
    app.start("wait_long", 0.01, id="nap-1")
    with app.worker(1):
        app.runtime.wait_for_end("nap-1", timeout=20)
    login(client, tokens["read"])
    for workflow_id in ("sum-1", "nap-1"):
        html = client.get(f"/dashboard/workflows/{workflow_id}").text
        assert 'id="timeline"' in html and 'id="graph"' not in html, workflow_id


def test_a_timer_is_drawn_fired_once_its_moment_has_passed() -> None:
    timer = {"seq": 0, "kind": "sleep", "name": "sleep", "status": "scheduled"}
    timer |= {"started_at": 100.0, "finished_at": 160.0}
    step = {"seq": 1, "kind": "step", "name": "ship", "status": "completed"}
    step |= {"started_at": 160.0, "finished_at": 161.0}
    data = {"id": "wf", "workflow": "w", "status": "running", "history": [timer, step]}
    data |= {"attempts": [], "children": []}

    def status_at(now: float | None) -> str:
        graph = graph_view.build(data, now)
        return next(n.status for row in graph.rows for n in row if n.key == "p0")

    assert status_at(None) == "scheduled"
    assert status_at(120.0) == "scheduled"
    assert status_at(170.0) == "fired"
