"""Terminal tables of workflows and their histories (used by `podium ls`, `show` and the demo).

`rich` is imported inside the functions so importing this module stays light.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from podium import errors, redaction
from podium.store import base
from podium.store import search as search_store
from podium.store import workers as workers_mod

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

STATUS_STYLES = {
    "pending": "yellow",
    "running": "cyan",
    "waiting": "blue",
    "completed": "green",
    "failed": "bold red",
    "cancelled": "magenta",
    "scheduled": "blue",
    "retried": "yellow",
}

NEEDS_ATTENTION = frozenset({"CompensationFailed"})
"""Error types that leave a workflow half undone: a person must look (a saga gave up)."""


def workflows_table(
    records: Sequence[base.WorkflowRecord], notes: dict[str, str] | None = None
) -> Table:
    """The `podium ls` table; `notes` marks the workflows waiting for a worker (by id)."""
    from rich.table import Table

    notes = notes or {}
    table = Table(header_style="bold")
    for column in ("id", "workflow", "status", "queue", "created", "updated", "error type"):
        table.add_column(column, no_wrap=column != "error type", overflow="fold")
    for r in records:
        status = _status(r.status)
        if r.id in notes:
            status.append(" (no worker)", "bold yellow")
        if r.paused_at is not None:
            status.append(" (paused)", "bold magenta")
        table.add_row(
            _text(r.id),
            _text(r.workflow),
            status,
            _text(r.queue),
            _text(_time(r.created_at)),
            _text(_time(r.updated_at)),
            _error_type(r.error_type),
        )
    return table


def _error_type(error_type: str | None) -> Text:
    """The error type cell of `podium ls`; a saga that gave up is marked as needing attention."""
    if error_type in NEEDS_ATTENTION:
        return _text(f"{error_type} (needs attention)", "bold yellow")
    return _text(error_type or "", "red")


def worker_notes(store: base.Store, records: Sequence[base.WorkflowRecord]) -> dict[str, str]:
    """{id: why it waits} for the listed workflows that no live worker can run now."""
    if not any(r.status in ("pending", "waiting") for r in records):
        return {}
    now = time.time()
    workers = store.live_workers(now)
    notes = {r.id: workers_mod.worker_note(r, workers, now) for r in records}
    return {k: v for k, v in notes.items() if v is not None}


def show(console: Console, store: base.Store, workflow_id: str) -> None:
    """Print what `podium show` prints for `workflow_id` from `store`."""
    record = store.get_workflow(workflow_id)
    if record is None:
        raise errors.WorkflowNotFound(workflow_id)
    console.print(summary_table(record))
    attrs = search_store.for_store(store).get(workflow_id)
    if attrs:  # a value the workflow's payloads mark sensitive shows as `*****`
        texts = [record.input, record.output, *(e.payload for e in store.load_history(record.id))]
        attrs = redaction.scrub_value(attrs, redaction.sensitive_values(texts))
        pairs = "  ".join(f"{k}={v!r}" for k, v in attrs.items())
        console.print(_text(f"search      {pairs}"))
    note = worker_notes(store, [record]).get(record.id)
    if note:
        console.print(_text(note, "bold yellow"))
    attempts_of_workflow = store.load_workflow_attempts(workflow_id)
    if len(attempts_of_workflow) > 1:
        console.print(workflow_attempts_table(attempts_of_workflow))
        for kept in attempts_of_workflow[:-1]:
            if kept.error_traceback:
                console.print(f"[bold]traceback of attempt {kept.attempt}[/]")
                console.print(_text(kept.error_traceback.rstrip(), "dim"))
    if record.error_traceback:
        console.print("[bold]traceback[/]")
        console.print(_text(record.error_traceback.rstrip(), "dim"))
    history, attempts = store.load_history(workflow_id), store.load_attempts(workflow_id)
    if history or attempts:
        console.print(history_table(history, attempts))
    else:
        console.print("[dim]no history yet: no step has run[/]")


def summary_table(record: base.WorkflowRecord) -> Table:
    """Key/value grid of one workflow's record."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    rows: list[tuple[str, Any]] = [
        ("id", _text(record.id)),
        ("workflow", _text(record.workflow)),
        ("status", _paused(_status(record.status), record)),
        ("queue", _text(f"{record.queue} (priority {record.priority})")),
        ("created", _text(_time(record.created_at))),
        ("updated", _text(f"{_time(record.updated_at)} ({_took(record)})")),
        ("runs", _text(str(record.runs))),
        ("input", _json_text(_input_value(record.input))),
    ]
    if record.parent_id:
        rows.insert(2, ("parent", _text(record.parent_id)))
    if record.key:
        rows.insert(4, ("key", _text(record.key)))
    if record.status == "completed":
        rows.append(("output", _json_text(_loads(record.output))))
    elif record.error_type:
        rows.append(("error", _text(f"{record.error_type}: {record.error_message}", "red")))
        if record.error_type in NEEDS_ATTENTION:
            rows.append(("attention", _attention(record.id)))
    elif record.ready_at is not None and record.status in ("pending", "waiting"):
        rows.append(("ready at", _text(_time(record.ready_at, millis=True))))
    for name, value in rows:
        grid.add_row(name, value)
    return grid


def workflow_attempts_table(attempts: Sequence[base.WorkflowAttempt]) -> Table:
    """Every attempt of a workflow (its start, then each resume) with how it ended."""
    from rich.table import Table

    table = Table(title="attempts of the workflow", title_justify="left", header_style="bold")
    for column in ("#", "status", "started", "ended", "runs", "error"):
        table.add_column(column, overflow="fold", justify="right" if column == "#" else "left")
    for a in attempts:
        error = f"{a.error_type}: {a.error_message}" if a.error_type else ""
        table.add_row(
            _text(str(a.attempt)),
            _status(a.status),
            _text(_time(a.started_at)),
            _text(_time(a.ended_at) if a.ended_at is not None else ""),
            _text(str(a.runs)),
            _text(error, "red"),
        )
    return table


def _attention(workflow_id: str) -> Text:
    return _text(
        "needs attention: a saga compensation gave up, so some completed steps are not undone; "
        f"fix the cause, then run podium resume {workflow_id}",
        "bold yellow",
    )


def history_table(history: Sequence[base.HistoryEvent], attempts: Sequence[base.Attempt]) -> Table:
    """One row per history position, preceded by that position's retried attempts."""
    from rich.table import Table

    table = Table(title="history", title_justify="left", header_style="bold")
    for column, justify in (
        ("#", "right"),
        ("kind", "left"),
        ("name", "left"),
        ("status", "left"),
        ("attempts", "right"),
        ("ms", "right"),
        ("detail", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    rows = [((a.seq, 0, a.attempt), _attempt_row(a)) for a in attempts]
    rows += [((e.seq, 1, 0), _event_row(e)) for e in history]
    for _key, row in sorted(rows, key=lambda item: item[0]):
        table.add_row(*row)
    return table


def _attempt_row(a: base.Attempt) -> list[Text]:
    retry = f" · retry at {_time(a.retry_at, millis=True)}" if a.retry_at else ""
    return [
        _text(str(a.seq)),
        _text("step"),
        _text(a.name),
        _status("retried"),
        _text(str(a.attempt)),
        _text(_millis(a.started_at, a.finished_at)),
        _text(f"{a.error_type}: {a.error_message}{retry}", "yellow"),
    ]


def _event_row(e: base.HistoryEvent) -> list[Text]:
    return [
        _text(str(e.seq)),
        _text(e.kind),
        _text(e.name),
        _status(e.status),
        _text(str(e.attempt) if e.kind == "step" else ""),
        _text(_millis(e.started_at, e.finished_at)),
        _event_detail(e),
    ]


def _event_detail(e: base.HistoryEvent) -> Text:
    value = _loads(e.payload)
    if e.kind == "sleep":
        verb = "fired at" if float(value) <= time.time() else "fires at"
        return _text(f"{verb} {_time(float(value), millis=True)}", "blue")
    if e.kind == "now" and isinstance(value, int | float):
        return _text(_time(float(value), millis=True))
    if e.kind == "saga" and isinstance(value, dict):
        count = value.get("compensating")
        return _text(f"compensating {count} completed step(s) after {value.get('after')}", "yellow")
    if e.status == "failed" and isinstance(value, dict):
        return _text(f"{value.get('type', 'Error')}: {value.get('message', '')}", "red")
    return _text(_shorten(json.dumps(value)))


def _text(value: str, style: str = "") -> Text:
    from rich.text import Text

    return Text(value, style=style)


def _paused(status: Text, record: base.WorkflowRecord) -> Text:
    if record.paused_at is not None:
        status.append(f" (paused since {_time(record.paused_at)}; podium unpause)", "bold magenta")
    return status


def _status(status: str) -> Text:
    return _text(status, STATUS_STYLES.get(status, ""))


def _time(stamp: float, millis: bool = False) -> str:
    moment = time.localtime(stamp)
    text = time.strftime("%Y-%m-%d %H:%M:%S", moment)
    return f"{text}.{int(stamp % 1 * 1000):03d}" if millis else text


def _took(record: base.WorkflowRecord) -> str:
    return f"{record.updated_at - record.created_at:.3f}s after creation"


def _millis(started: float | None, finished: float | None) -> str:
    if started is None or finished is None:
        return ""
    return f"{(finished - started) * 1000:.0f}"


def _loads(payload: str | None) -> Any:
    """A stored payload as shown: redacted values as `*****` (see podium.redaction)."""
    if payload is None:
        return None
    try:
        return redaction.view(json.loads(payload))
    except json.JSONDecodeError:
        return payload


def _input_value(payload: str | None) -> Any:
    value = _loads(payload)
    if isinstance(value, dict) and set(value) <= {"args", "kwargs"}:
        args, kwargs = value.get("args") or [], value.get("kwargs") or {}
        if not kwargs:
            return args[0] if len(args) == 1 else args
    return value


def _json_text(value: Any) -> Any:
    from rich.json import JSON

    return JSON.from_data(value, default=str)


def _shorten(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
