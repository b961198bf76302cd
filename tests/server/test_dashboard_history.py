"""A workflow's event history table, and tracebacks in history payloads only by scope."""

from __future__ import annotations

import re

import podium

EVENT = re.compile(r'<tr class="event[^"]*" data-event="([A-Za-z]+)">(.*?)</tr>', re.S)


def _events(html: str) -> list[tuple[str, str]]:
    table = html.split('id="history-table"')[1].split("</table>")[0]
    return [(kind, re.sub(r"<[^>]+>", "|", row)) for kind, row in EVENT.findall(table)]


def test_a_failed_saga_reads_as_events_in_time_order(client, tokens, app: podium.App):
    app.start("checkout", {"id": "x", "fail": True}, id="order-x")
    with app.worker(1):
        app.runtime.wait_for_end("order-x", timeout=20)
    client.cookies.set("podium_token", tokens["read"])
    html = client.get("/dashboard/workflows/order-x").text
    kinds = [k for k, _ in _events(html)]
    assert kinds[0] == "WorkflowCreated" and kinds[-1] == "WorkflowFailed"
    assert kinds.count("AttemptFailed") == 2 and kinds.count("RetryScheduled") == 2
    assert kinds.index("AttemptFailed") < kinds.index("StepFailed")
    assert kinds.index("StepFailed") < kinds.index("CompensationCompleted")
    rows = dict(_events(html))
    assert "ValueError: no courier for this address" in rows["StepFailed"]
    assert "gateway timeout #1" in html and "attempt 3 at" in rows["RetryScheduled"]
    assert "attempt 2 at" in html
    assert "Traceback" not in html.split('id="history-table"')[1]


def test_timers_are_spans_that_fire(client, tokens, app: podium.App):
    app.start("wait_long", 0.05, id="nap")
    app.start("wait_long", 3600, id="long-nap")
    with app.worker(2):
        app.runtime.wait_for_end("nap", timeout=20)
    client.cookies.set("podium_token", tokens["read"])
    nap = dict(_events(client.get("/dashboard/workflows/nap").text))
    assert "fires at" in nap["TimerStarted"] and "after" in nap["TimerFired"]
    assert "WorkflowCompleted" in nap
    sleeping = dict(_events(client.get("/dashboard/workflows/long-nap").text))
    assert "TimerStarted" in sleeping and "TimerFired" not in sleeping
    assert "WorkflowCompleted" not in sleeping


def test_history_payload_tracebacks_need_the_scope(client, as_scope, app: podium.App):
    app.start("checkout", {"id": "y", "fail": True}, id="order-y")
    with app.worker(1):
        app.runtime.wait_for_end("order-y", timeout=20)

    def failed_payload(scope: str) -> dict[str, object]:
        body = client.get("/api/v1/workflows/order-y", headers=as_scope(scope)).json()
        return next(e["payload"] for e in body["history"] if e["status"] == "failed")

    assert failed_payload("read")["traceback"] is None
    assert failed_payload("read")["message"] == "no courier for this address"
    assert "Traceback" in str(failed_payload("admin")["traceback"])
