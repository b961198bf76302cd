"""Events and messages over HTTP: CloudEvents (structured and binary), publish, send."""

import json

import podium

CE = {
    "specversion": "1.0",
    "id": "evt-1",
    "source": "/shop",
    "type": "order.created",
    "subject": "42",
    "data": {"order": 42},
}


def _on_order(app: podium.App) -> None:
    @app.workflow(on_event="order.*")
    def handle_order(event: dict[str, object]) -> dict[str, object]:
        return event


def test_structured_cloudevent_starts_its_workflow_once(client, as_scope, app, wait_until):
    _on_order(app)
    headers = {**as_scope("write"), "Content-Type": "application/cloudevents+json"}
    first = client.post("/events", content=json.dumps(CE), headers=headers)
    assert first.status_code == 202, first.text
    body = first.json()
    assert body["created"] is True and body["event"]["topic"] == "order.created"
    assert body["event"]["key"] == "42" and body["event"]["payload"] == {"order": 42}
    (started,) = body["started"]
    again = client.post("/events", content=json.dumps(CE), headers=headers)
    assert again.json()["created"] is False
    with app.worker(concurrency=1):
        assert app.get(started).result(timeout=10) == {"order": 42}
    assert len(app.list(workflow="handle_order")) == 1


def test_binary_cloudevent(client, as_scope):
    headers = {
        **as_scope("write"),
        "Content-Type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": "b-1",
        "ce-source": "/billing",
        "ce-type": "payment.settled",
        "ce-partitionkey": "7",
    }
    response = client.post("/events", content=b'{"amount": 5}', headers=headers)
    assert response.status_code == 202, response.text
    event = response.json()["event"]
    assert event["topic"] == "payment.settled" and event["key"] == "7"
    assert event["payload"] == {"amount": 5}


def test_bad_cloudevents_are_400(client, as_scope):
    structured = {**as_scope("write"), "Content-Type": "application/cloudevents+json"}
    for body in (b"{not json", b"[1, 2]", json.dumps({**CE, "type": ""}).encode()):
        response = client.post("/events", content=body, headers=structured)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid_cloudevent"
    missing = {**as_scope("write"), "Content-Type": "application/json"}
    assert client.post("/events", content=b"{}", headers=missing).status_code == 400


def test_events_need_a_write_token(client, as_scope):
    body = json.dumps(CE)
    headers = {"Content-Type": "application/cloudevents+json"}
    assert client.post("/events", content=body, headers=headers).status_code == 401
    reader = {**headers, **as_scope("read")}
    assert client.post("/events", content=body, headers=reader).status_code == 403


def test_publish_by_topic_is_idempotent_by_id(client, as_scope):
    request = {"topic": "stock.low", "payload": {"sku": "TEA"}, "id": "s-1"}
    first = client.post("/api/v1/events", json=request, headers=as_scope("write"))
    assert first.status_code == 201 and first.json() == {"id": "s-1"}
    again = client.post("/api/v1/events", json=request, headers=as_scope("write"))
    assert again.json() == {"id": "s-1"}
    bad = client.post("/api/v1/events", json={"topic": 5}, headers=as_scope("write"))
    assert bad.status_code == 400


def test_send_a_message_to_a_waiting_workflow(client, as_scope, app: podium.App):
    @app.workflow
    def approval() -> object:
        return podium.receive("decision", timeout=30)

    handle = app.start(approval, id="needs-ok")
    url = "/api/v1/workflows/needs-ok/messages"
    with app.worker(concurrency=1):
        sent = client.post(
            url, json={"topic": "decision", "payload": {"ok": True}}, headers=as_scope("write")
        )
        assert sent.status_code == 201, sent.text
        assert handle.result(timeout=10) == {"ok": True}
    unknown = client.post(
        "/api/v1/workflows/nope/messages", json={"topic": "x"}, headers=as_scope("write")
    )
    assert unknown.status_code == 404
