"""A workflow's event history as a table (Temporal's view): every row in time order.

Built from what the store keeps: the workflow's creation and each later attempt (resume), each
history position (a step's outcome, a timer's start and firing, a recorded value, a saga's
turn), each failed step attempt with its error and the retry it scheduled, and the end.
Timers are spans: "started" at the sleep, then "fired" at the moment once it has passed
(or "fires at" while it has not). Values are shown short; tracebacks are never shown here.
"""

from __future__ import annotations

import dataclasses
import json
from html import escape
from typing import Any

from podium.server import render

SHORT = 160
"""Characters of a payload shown in a row."""


@dataclasses.dataclass(frozen=True)
class Event:
    """One row of the table."""

    at: float
    order: tuple[int, int]
    """(history position, rank) to keep rows of the same moment in a stable order."""
    kind: str
    seq: int | None
    name: str
    detail: str
    css: str = ""


def _short(value: Any) -> str:
    if isinstance(value, dict) and "type" in value and "message" in value:
        return f"{value['type']}: {value['message']}"
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def _position(e: dict[str, Any], now: float) -> list[Event]:
    seq, name, kind, status = int(e["seq"]), str(e["name"]), str(e["kind"]), str(e["status"])
    start, end = e.get("started_at"), e.get("finished_at")
    at = start if start is not None else end if end is not None else 0.0
    if kind == "sleep":
        rows = [Event(at, (seq, 0), "TimerStarted", seq, name, f"fires at {render.iso(end)}")]
        if end is not None and end <= now:
            took = render.seconds(max(0.0, end - at))
            rows.append(Event(end, (seq, 1), "TimerFired", seq, name, f"after {took}", "fired"))
        return rows
    if kind == "step":
        label = "Compensation" if name.endswith(".compensate") else "Step"
        verb = {"completed": "Completed", "failed": "Failed"}.get(status, status.capitalize())
        took = "" if start is None or end is None else f" in {render.seconds(end - start)}"
        attempt = f" (attempt {e.get('attempt', 1)})" if e.get("attempt", 1) > 1 else ""
        detail = f"{_short(e.get('payload'))}{took}{attempt}"
        css = "failed" if status == "failed" else ""
        return [
            Event(end if end is not None else at, (seq, 2), label + verb, seq, name, detail, css)
        ]
    word = kind.replace("_", " ").title().replace(" ", "")
    return [
        Event(at, (seq, 2), f"{word}{status.capitalize()}", seq, name, _short(e.get("payload")))
    ]


def events(data: dict[str, Any], now: float) -> list[Event]:
    """Every row, oldest first."""
    rows = [Event(data["created_at"], (-1, 0), "WorkflowCreated", None, data["workflow"], "")]
    for a in data.get("workflow_attempts", [])[1:]:
        at = a.get("resumed_at") or a["started_at"]
        rows.append(Event(at, (-1, 1), "WorkflowResumed", None, f"attempt {a['attempt']}", ""))
    for e in data.get("history", []):
        rows += _position(e, now)
    for a in data.get("attempts", []):
        seq = int(a["seq"])
        error = f"{a['error_type']}: {a['error_message']}"
        rows.append(
            Event(a["started_at"], (seq, 1), "AttemptFailed", seq, a["name"], error, "failed")
        )
        if a.get("retry_at") is not None:
            when = f"attempt {a['attempt'] + 1} at {render.iso(a['retry_at'])}"
            rows.append(Event(a["finished_at"], (seq, 1), "RetryScheduled", seq, a["name"], when))
    if data["status"] in render.TERMINAL:
        end = f"Workflow{data['status'].capitalize()}"
        failure: dict[str, Any] = data.get("error") or {}
        kind = failure.get("type")
        detail = f"{kind}: {failure.get('message')}" if kind else ""
        css = "" if data["status"] == "completed" else "failed"
        rows.append(
            Event(data["updated_at"], (1 << 30, 0), end, None, data["workflow"], detail, css)
        )
    return sorted(rows, key=lambda r: (r.at, r.order))


def table(data: dict[str, Any], now: float) -> str:
    """The event history section of a workflow page."""
    rows = "".join(
        f'<tr class="event {escape(r.css)}" data-event="{escape(r.kind)}">'
        f'<td class="num">{n}</td><td>{render.iso(r.at)}</td><td>{escape(r.kind)}</td>'
        f"<td>{'' if r.seq is None else f'#{r.seq}'}</td><td>{escape(r.name)}</td>"
        f'<td class="wrap">{escape(r.detail)}</td></tr>'
        for n, r in enumerate(events(data, now), start=1)
    )
    return (
        '<section class="history" id="history"><h2>Event history</h2>'
        '<div class="scroll"><table class="workflows" id="history-table"><thead><tr>'
        '<th scope="col">#</th><th scope="col">time (UTC)</th><th scope="col">event</th>'
        '<th scope="col">position</th><th scope="col">name</th><th scope="col">detail</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div></section>"
    )
