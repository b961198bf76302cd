"""State machines over HTTP: definitions, instances, history, events (409 when refused)."""

import podium


def _ticket(app: podium.App) -> None:
    ticket = app.state_machine(
        "ticket",
        initial="open",
        transitions=[
            ("start", "open", "in_progress"),
            ("resolve", "in_progress", "resolved"),
            ("reopen", "resolved", "open"),
        ],
    )
    ticket.create("T-1", {"title": "printer on fire"})


def test_machines_instances_and_events(client, as_scope, app: podium.App):
    _ticket(app)
    read, write = as_scope("read"), as_scope("write")
    (machine,) = client.get("/api/v1/machines", headers=read).json()
    assert machine["name"] == "ticket" and machine["initial"] == "open"
    assert "stateDiagram-v2" in machine["mermaid"]
    url = "/api/v1/machines/ticket/instances/T-1"
    moved = client.post(f"{url}/events", json={"event": "start"}, headers=write)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["from"], moved.json()["to"]) == ("open", "in_progress")
    refused = client.post(f"{url}/events", json={"event": "reopen"}, headers=write)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invalid_transition"
    detail = client.get(url, headers=read).json()
    assert detail["state"] == "in_progress" and detail["data"] == {"title": "printer on fire"}
    assert [h["event"] for h in detail["history"]] == ["start"]
    listed = client.get("/api/v1/machines/ticket/instances?state=in_progress", headers=read)
    assert [i["id"] for i in listed.json()] == ["T-1"]


def test_unknown_machine_or_instance_is_404(client, as_scope, app: podium.App):
    _ticket(app)
    read = as_scope("read")
    assert client.get("/api/v1/machines/nope/instances", headers=read).status_code == 404
    missing = client.get("/api/v1/machines/ticket/instances/T-404", headers=read)
    assert missing.status_code == 404
    post = client.post(
        "/api/v1/machines/ticket/instances/T-1/events", json={"event": 3}, headers=read
    )
    assert post.status_code in (400, 403)
