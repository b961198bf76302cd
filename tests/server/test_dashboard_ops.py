"""The dashboard's Operations page and a state machine instance's diagram, as HTML."""

import re

import pytest

import podium
from podium.patterns.machinedef import MachineDefinition
from podium.server import diagram
from tests.server import serverapp
from tests.server.login import login


@pytest.fixture
def ops_app(app: podium.App) -> podium.App:
    return serverapp.add_operations(app)


def _trip(app: podium.App) -> None:
    gateway = app.registry.steps["call_gateway"]
    for _ in range(2):
        with pytest.raises(ConnectionError):
            gateway(True)


def test_operations_page_shows_queues_breakers_schedules_machines(client, tokens, ops_app):
    _trip(ops_app)
    ops_app.start("bulk_job", 1, id="bulk-1")
    flow = _machine(ops_app)
    flow.create("O-1")
    flow.create("O-2")
    flow.send("O-2", "pay")
    assert client.get("/dashboard/operations", follow_redirects=False).status_code == 303
    login(client, tokens["read"])
    page = client.get("/dashboard/operations")
    assert page.status_code == 200
    html = page.text
    assert 'id="nav-operations"' in html and "<h1>Operations</h1>" in html
    bulk = _row(html, 'data-queue="bulk"')
    assert "concurrency 2" in bulk and "max depth 100" in bulk and "rate 10 / 1.0 s" in bulk
    assert '<td class="num">1</td>' in bulk  # bulk-1 is pending
    gateway = _row(html, 'data-breaker="gateway"')
    assert '<span class="breaker open">open</span>' in gateway and "min_calls 2" in gateway
    assert "100% failed" in gateway
    yearly = _row(html, 'data-schedule="yearly_report"')
    assert "0 0 1 1 *" in yearly and "Europe/Paris" in yearly and "active" in yearly
    assert 'data-machine="order_flow"' in html and "<svg" in html
    assert 'class="sm-state initial" data-state="placed"' in html
    assert 'class="sm-state final" data-state="delivered"' in html
    counts = html.split('id="counts-order_flow"')[1]
    assert re.search(r'data-state="placed"><td>placed</td><td class="num">1</td>', counts)
    assert re.search(r'data-state="paid"><td>paid</td><td class="num">1</td>', counts)
    partial = client.get("/dashboard/operations", headers={"X-Podium-Partial": "1"})
    assert partial.text.startswith('<div data-live="1"') and "<header" not in partial.text


def test_machine_instance_workflow_page_highlights_its_state(client, tokens, ops_app):
    flow = _machine(ops_app)
    flow.create("O-9")
    flow.send("O-9", "pay")
    login(client, tokens["read"])
    page = client.get("/dashboard/workflows/order_flow:O-9")
    assert page.status_code == 200
    assert 'id="machine-state">paid</span>' in page.text
    assert 'class="sm-state current" data-state="paid"' in page.text
    other = client.get("/dashboard/workflows/bulk-2")
    assert other.status_code == 404
    ops_app.start("add", 1, 2, id="plain")
    assert 'id="machine"' not in client.get("/dashboard/workflows/plain").text


def test_operations_page_without_operations_declared(client, tokens):
    login(client, tokens["read"])
    html = client.get("/dashboard/operations").text
    assert "No circuit breakers declared." in html and "No state machines registered." in html
    assert 'data-queue="default"' in html and "No schedules." in html


def test_diagram_layers_and_escapes():
    definition = MachineDefinition(
        "m",
        "a<b",
        [("go", "a<b", "c"), ("back", "c", "a<b"), ("stay", "c", "c"), ("end", "c", "d")],
        final="d",
    )
    assert diagram.layers(definition) == {"a<b": 0, "c": 1, "d": 2}
    svg = diagram.svg(definition, highlight="c")
    assert "a&lt;b" in svg and "a<b" not in svg
    assert 'class="sm-state current" data-state="c"' in svg
    assert 'class="sm-state final" data-state="d"' in svg
    assert svg.count('<path class="sm-edge') == 4 and ">back<" in svg and ">stay<" in svg


def _machine(app: podium.App):
    from podium.patterns import statemachine

    definition = app.registry.workflows[statemachine.WORKFLOW_PREFIX + "order_flow"]
    assert isinstance(definition, statemachine.MachineWorkflow)
    return definition.machine


def _row(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</tr>", start)]
