"""HTML of the dashboard pages, built with escaping at every value (no template engine)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import urllib.parse
from collections.abc import Callable
from html import escape
from typing import Any

from podium.server import unwind

STATUSES = ("pending", "running", "waiting", "completed", "failed", "cancelled")
TERMINAL = ("completed", "failed", "cancelled")


def iso(moment: float | None) -> str:
    """A UTC timestamp for people."""
    if moment is None:
        return ""
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"


def seconds(value: float | None) -> str:
    """A duration for people: 850 ms, 3.2 s, 4 min 10 s."""
    if value is None:
        return ""
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 60:
        return f"{value:.1f} s"
    return f"{int(value // 60)} min {int(value % 60)} s"


def page(title: str, body: str, actor: str, auth: bool) -> str:
    """A whole page around `body`."""
    logout = (
        '<form method="post" action="/dashboard/logout"><button>Log out</button></form>'
        if auth
        else '<span class="muted">no-auth (loopback)</span>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="/dashboard/static/podium.css">
</head><body>
<header><a class="brand" href="/dashboard">podium</a>
<nav class="pages"><a href="/dashboard" id="nav-workflows">Workflows</a>
<a href="/dashboard/operations" id="nav-operations">Operations</a>
<a href="/dashboard/workers" id="nav-workers">Workers</a>
<a href="/dashboard/intelligence" id="nav-intelligence">Intelligence</a></nav>
<span class="muted">{escape(actor)}</span>
<label class="refresh"><input type="checkbox" id="auto-refresh" checked> auto-refresh</label>
{logout}</header>
<main id="live">{body}</main>
<script src="/dashboard/static/podium.js"></script>
</body></html>"""


def login(failed: bool) -> str:
    """The login page."""
    error = (
        '<p class="error" id="login-error">That token is not valid, or it is limited to some '
        "workflows or queues or denied payloads (the dashboard shows them all).</p>"
        if failed
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>podium · log in</title>
<link rel="stylesheet" href="/dashboard/static/podium.css"></head>
<body class="login"><form method="post" action="/dashboard/login" class="card">
<h1>podium</h1><p>Log in with an API token (<code>podium tokens create</code>).</p>{error}
<label for="token">API token</label>
<input type="password" name="token" id="token" placeholder="pod_…" autocomplete="off" required>
<button type="submit" id="login">Log in</button></form></body></html>"""


def not_found(workflow_id: str) -> str:
    """The body for an unknown workflow id."""
    return f'<p class="error">No workflow has the id <code>{escape(workflow_id)}</code>.</p>'


@dataclasses.dataclass(frozen=True)
class ListView:
    """What the workflow list shows."""

    rows: list[dict[str, Any]]
    counts: dict[str, Any]
    names: list[str]
    filters: dict[str, str]
    offset: int
    more: bool
    now: float
    bulk: str = ""
    """The bulk action buttons ("" for a viewer who may not act)."""
    row_actions: Callable[[dict[str, Any]], str] | None = None
    """The action buttons of one row (None: no actions column)."""
    error: str = ""
    """Why the filters could not be read ("" when they could)."""
    total: tuple[int, bool] | None = None
    """How many workflows match the filters, and whether that count was capped."""


def link(workflow_id: str) -> str:
    """The dashboard page of a workflow."""
    return "/dashboard/workflows/" + urllib.parse.quote(workflow_id, safe="")


def _link(filters: dict[str, str], **changes: Any) -> str:
    query = {k: v for k, v in {**filters, **changes}.items() if v not in ("", None, 0)}
    return "/dashboard" + ("?" + urllib.parse.urlencode(query) if query else "")


def _counts(view: ListView) -> str:
    chips = []
    for status in STATUSES:
        n = view.counts["counts"].get(status, 0)
        active = " active" if view.filters["status"] == status else ""
        href = escape(_link(view.filters, status=status, offset=0))
        chips.append(
            f'<a class="chip {status}{active}" href="{href}" data-status="{status}">'
            f'<b class="count">{n}</b> {status}</a>'
        )
    everything = escape(_link(view.filters, status="", offset=0))
    chips.insert(0, f'<a class="chip" href="{everything}">all</a>')
    return f'<nav class="counts" id="counts">{"".join(chips)}</nav>'


def _filters(view: ListView) -> str:
    f = view.filters
    options = "".join(
        f"<option{' selected' if n == f['workflow'] else ''}>{escape(n)}</option>"
        for n in view.names
    )
    checked = " checked" if f.get("children") else ""
    parent = ""
    if f.get("parent"):
        parent = (
            f'<input type="hidden" name="parent" value="{escape(f["parent"])}">'
            f'<span class="chip" id="parent-filter">children of '
            f"<code>{escape(f['parent'])}</code></span>"
        )
    error = (
        f'<p class="error" id="filter-error" role="alert">{escape(view.error)}</p>'
        if view.error
        else ""
    )

    def field(name: str, label: str, hint: str, kind: str = "text") -> str:
        return (
            f'<label class="field">{label} <input type="{kind}" name="{name}" '
            f'id="filter-{name}" placeholder="{escape(hint)}" value="{escape(f.get(name, ""))}">'
            "</label>"
        )

    return f"""<form class="filters" method="get" action="/dashboard" id="filters">
<input type="hidden" name="status" value="{escape(f["status"])}">
<label class="field">workflow <select name="workflow" id="filter-workflow">
<option value="">every workflow</option>{options}</select></label>
{field("search", "id contains", "order-")}
{field("attr", "search attributes", "customer=c-9, tier=gold")}
{field("after", "created after (UTC)", "2026-12-06T14:00")}
{field("before", "created before (UTC)", "2026-12-06T15:00")}
<label class="check"><input type="checkbox" name="children" value="1" id="with-children"{checked}>
child workflows too</label>{parent}
<button id="filter-apply">Filter</button> <a href="/dashboard" id="filter-clear">clear</a></form>
{error}"""


def _row(
    row: dict[str, Any], now: float, actions: Callable[[dict[str, Any]], str] | None = None
) -> str:
    ended = row["status"] in TERMINAL
    took = (row["updated_at"] if ended else now) - row["created_at"]
    href = "/dashboard/workflows/" + urllib.parse.quote(row["id"], safe="")
    error = f'<span class="muted">{escape(row["error_type"] or "")}</span>'
    parent = ""
    if row.get("parent_id"):
        up = "/dashboard/workflows/" + urllib.parse.quote(row["parent_id"], safe="")
        parent = f' <a class="parent-link muted" href="{escape(up)}" title="parent">↑ parent</a>'
    if row.get("worker_note"):
        error += f' <span class="no-worker" title="{escape(row["worker_note"])}">no worker</span>'
    return (
        f'<tr class="wf" data-id="{escape(row["id"])}">'
        f'<td><a class="wf-link" href="{escape(href)}">'
        f"{escape(row['id'])}</a>{parent}</td><td>{escape(row['workflow'])}</td>"
        f'<td><span class="badge {row["status"]}">{row["status"]}</span>'
        f"{_paused(row.get('paused_at'))} {error}</td>"
        f"<td>{escape(row['queue'])}</td><td>{iso(row['created_at'])}</td>"
        f"<td>{seconds(max(0.0, took))}</td>"
        + ("" if actions is None else f'<td class="row-actions">{actions(row)}</td>')
        + "</tr>"
    )


def _paused(paused_at: float | None, id: str = "") -> str:
    """A "paused" badge for a paused workflow ("" otherwise)."""
    if paused_at is None:
        return ""
    ident = f' id="{id}"' if id else ""
    return (
        f' <span class="badge paused"{ident} title="paused since {iso(paused_at)} UTC; '
        f'it starts no new step until unpaused">paused</span>'
    )


def _search(attrs: dict[str, Any]) -> str:
    """The workflow's search attributes as a definition list ("" when it has none)."""
    if not attrs:
        return ""
    items = "".join(
        f'<dt>{escape(k)}</dt><dd data-key="{escape(k)}">{escape(json.dumps(v))}</dd>'
        for k, v in sorted(attrs.items())
    )
    return (
        f'<section id="search"><h2>Search attributes</h2><dl class="facts">{items}</dl></section>'
    )


def workflow_list(view: ListView) -> str:
    """The live part of the list page: counts, filters, table and paging."""
    columns = 6 if view.row_actions is None else 7
    rows = "".join(_row(r, view.now, view.row_actions) for r in view.rows) or (
        f'<tr><td colspan="{columns}" class="muted">No workflows match.</td></tr>'
    )
    extra = "" if view.row_actions is None else "<th>actions</th>"
    paging = []
    if view.offset:
        prev = escape(_link(view.filters, offset=max(0, view.offset - len(view.rows) - 50)))
        paging.append(f'<a href="{prev}">← newer</a>')
    if view.more:
        nxt = escape(_link(view.filters, offset=view.offset + len(view.rows)))
        paging.append(f'<a href="{nxt}">older →</a>')
    return f"""<div data-live="1"><h1>Workflows</h1>{_counts(view)}{_filters(view)}{view.bulk}
<table class="workflows" id="workflows"><thead><tr><th>id</th><th>workflow</th><th>status</th>
<th>queue</th><th>created (UTC)</th><th>duration</th>{extra}</tr></thead><tbody>{rows}</tbody>
</table>
<p class="paging">{_total(view)}{" ".join(paging)}</p></div>"""


def _total(view: ListView) -> str:
    if view.total is None:
        return ""
    n, capped = view.total
    shown = f"{n}+" if capped else str(n)
    noun = "workflow matches" if n == 1 and not capped else "workflows match"
    return f'<span class="muted" id="total">{shown} {noun}</span> '


def _pretty(value: Any) -> str:
    return escape(json.dumps(value, indent=2, sort_keys=True, default=str))


def _bounds(data: dict[str, Any], now: float) -> tuple[float, float]:
    times = [data["created_at"]]
    for item in [*data["history"], *data["attempts"]]:
        times += [t for t in (item.get("started_at"), item.get("finished_at")) if t is not None]
    end = max(times)
    if data["status"] not in TERMINAL:
        end = max(end, now)
    start = min(times)
    return start, max(end, start + 0.001)


def _bar(left: float, width: float, cls: str, label: str) -> str:
    return (
        f'<span class="bar {cls}" style="left:{left:.3f}%;width:{max(width, 0.4):.3f}%"'
        f' title="{escape(label)}"></span>'
    )


def _timeline_row(
    event: dict[str, Any],
    failed: list[dict[str, Any]],
    t0: float,
    span: float,
    undo: dict[int, unwind.Undo],
) -> str:
    name = event["name"]
    kind = event["kind"]
    cls = "compensation" if name.endswith(unwind.SUFFIX) else kind
    bars = []
    for attempt in failed:
        left = (attempt["started_at"] - t0) / span * 100
        width = (attempt["finished_at"] - attempt["started_at"]) / span * 100
        bars.append(
            _bar(
                left,
                width,
                "attempt-failed",
                f"attempt {attempt['attempt']} failed: {attempt['error_type']}: "
                f"{attempt['error_message']}",
            )
        )
    start, end = event.get("started_at"), event.get("finished_at")
    if start is not None:
        took = (end or start) - start
        left = (start - t0) / span * 100
        bars.append(
            _bar(
                left,
                took / span * 100,
                f"{cls} {event['status']}",
                f"{name}: {event['status']} in {seconds(took)}",
            )
        )
    else:
        took = None
    attempts = event.get("attempt", 1)
    marks = (
        f'<span class="retries">attempt {attempts} (retried {attempts - 1} times)</span>'
        if attempts > 1
        else ""
    )
    if failed:
        errors = "".join(
            f"<li>attempt {a['attempt']} at {iso(a['started_at'])}: "
            f"<b>{escape(a['error_type'])}</b>: {escape(a['error_message'])}</li>"
            for a in failed
        )
        marks += (
            f'<details class="failed-attempts"><summary class="error">{len(failed)} failed '
            f"attempt{'s' if len(failed) > 1 else ''}</summary><ul>{errors}</ul></details>"
        )
    label = "compensation" if cls == "compensation" else kind
    shown = escape(name)
    if event["seq"] in undo:
        cls += " unwinding"
        shown = f'<span class="undo">{escape(undo[event["seq"]].label())}</span>'
    return (
        f'<div class="tl-row {escape(cls)} {escape(event["status"])}" data-step="{escape(name)}">'
        f'<div class="tl-label"><span class="seq">#{event["seq"]}</span> {shown}'
        f' <span class="kind">{escape(label)}</span> <span class="badge {escape(event["status"])}">'
        f'{escape(event["status"])}</span> {marks}<span class="muted">{seconds(took)}</span></div>'
        f'<div class="tl-track">{"".join(bars)}</div></div>'
    )


def timer_state(event: dict[str, Any], now: float) -> dict[str, Any]:
    """A timer row says "fired" once its moment has passed (its history row keeps "scheduled")."""
    fire_at = event.get("finished_at")
    if event["kind"] == "sleep" and event["status"] == "scheduled" and fire_at is not None:
        if fire_at <= now:
            return {**event, "status": "fired"}
    return event


def call_input(value: Any) -> Any:
    """A workflow's input as the caller passed it: one argument alone, without the wrapper."""
    if isinstance(value, dict) and set(value) == {"args", "kwargs"}:
        args, kwargs = value["args"], value["kwargs"]
        if isinstance(args, list) and not kwargs:
            return args[0] if len(args) == 1 else args
        if isinstance(kwargs, dict) and not args:
            return kwargs
    return value


def timeline(data: dict[str, Any], now: float) -> str:
    """Bars of every history position on one time axis; failed attempts marked in red."""
    t0, t1 = _bounds(data, now)
    span = t1 - t0
    failed: dict[int, list[dict[str, Any]]] = {}
    for attempt in data["attempts"]:
        failed.setdefault(attempt["seq"], []).append(attempt)
    events = list(data["history"])
    seen = {e["seq"] for e in events}
    for seq, tries in sorted(failed.items()):
        if seq not in seen:  # retrying now: no final outcome yet
            last = tries[-1]
            events.append(
                {
                    "seq": seq,
                    "kind": "step",
                    "name": last["name"],
                    "status": "retrying",
                    "attempt": last["attempt"] + 1,
                    "started_at": None,
                    "finished_at": None,
                }
            )
    events = [timer_state(e, now) for e in events]
    events.sort(key=lambda e: e["seq"])
    if not events:
        return '<p class="muted" id="timeline">No steps yet.</p>'
    undo = unwind.undos(events)
    drawn = {e["seq"]: _timeline_row(e, failed.get(e["seq"], []), t0, span, undo) for e in events}
    rows = _banded(events, drawn)
    axis = f'<div class="tl-axis"><span>{iso(t0)}</span><span>{seconds(span)}</span></div>'
    return f'<section class="timeline" id="timeline"><h2>Timeline</h2>{axis}{rows}</section>'


def _banded(events: list[dict[str, Any]], drawn: dict[int, str]) -> str:
    """The rows in order, a saga's unwinding (its record and compensations) in a band of its own."""
    band_of = {seq: b for b in unwind.bands(events) for seq in b.positions}
    out: list[str] = []
    current: unwind.Band | None = None
    for event in events:
        band = band_of.get(event["seq"])
        if band is not current:
            if current is not None:
                out.append("</div>")
            if band is not None:
                out.append(
                    f'<div class="tl-unwind" data-saga="{band.seq}">'
                    f'<p class="tl-unwind-head">↶ {escape(band.heading())}</p>'
                )
            current = band
        out.append(drawn[event["seq"]])
    if current is not None:
        out.append("</div>")
    return "".join(out)


def _workflow_attempts(attempts: list[dict[str, Any]]) -> str:
    """Every attempt of the workflow (its start, then each resume) with its error."""
    if len(attempts) < 2:
        return ""
    rows = []
    for a in attempts:
        error = ""
        if a["error_type"]:
            error = f"<b>{escape(a['error_type'])}</b>: {escape(a['error_message'] or '')}"
            if a["error_traceback"]:
                error += (
                    f"<details><summary>traceback</summary>"
                    f"<pre>{escape(a['error_traceback'])}</pre></details>"
                )
        ended = iso(a["ended_at"]) if a["ended_at"] is not None else "—"
        rows.append(
            f'<tr class="wf-attempt"><td>{a["attempt"]}</td>'
            f'<td><span class="badge {escape(a["status"])}">{escape(a["status"])}</span></td>'
            f"<td>{iso(a['started_at'])}</td><td>{ended}</td><td>{a['runs']}</td>"
            f"<td>{error}</td></tr>"
        )
    return (
        '<section class="workflow-attempts" id="workflow-attempts"><h2>Attempts</h2>'
        '<table class="workflows"><thead><tr><th>#</th><th>status</th><th>started (UTC)</th>'
        "<th>ended</th><th>runs</th><th>error</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _children(data: dict[str, Any]) -> str:
    """The child workflows (fan-out steps, child workflows), each a link to its page."""
    children = data.get("children") or []
    if not children:
        return ""
    shown = children[:100]
    rows = "".join(
        f'<tr class="child"><td><a class="child-link" href="{escape(link(c["id"]))}">'
        f"{escape(c['id'])}</a></td><td>{escape(c['workflow'])}</td>"
        f'<td><span class="badge {escape(c["status"])}">{escape(c["status"])}</span></td>'
        f"<td>{seconds(max(0.0, c['updated_at'] - c['created_at']))}</td></tr>"
        for c in shown
    )
    everything = "/dashboard?" + urllib.parse.urlencode({"parent": data["id"]})
    more = (
        f'<p><a href="{escape(everything)}">all children →</a></p>' if len(children) > 100 else ""
    )
    return (
        '<section class="children" id="children"><h2>Children</h2>'
        '<div class="scroll"><table class="workflows"><thead><tr><th>id</th><th>workflow</th>'
        f"<th>status</th><th>duration</th></tr></thead><tbody>{rows}</tbody></table></div>"
        f"{more}</section>"
    )


def workflow_detail(data: dict[str, Any], now: float, buttons: str = "", graph: str = "") -> str:
    """The live part of a workflow page; `graph` (its DAG) goes right below the timeline."""
    live = "0" if data["status"] in TERMINAL else "1"
    error = ""
    if data["error"]:
        err = data["error"]
        error = (
            '<section class="error-box" id="error"><h2>Error</h2>'
            f"<p><b>{escape(err['type'] or '')}</b>: {escape(err['message'] or '')}</p>"
            f"<pre>{escape(err['traceback'] or '')}</pre></section>"
        )
    if data.get("worker_note"):
        error = f'<p class="no-worker" id="worker-note">{escape(data["worker_note"])}</p>' + error
    error = _workflow_attempts(data.get("workflow_attempts", [])) + error
    facts = "".join(
        f"<dt>{k}</dt><dd>{escape(str(v))}</dd>"
        for k, v in (
            ("queue", data["queue"]),
            ("created", iso(data["created_at"])),
            ("updated", iso(data["updated_at"])),
            ("runs", data["runs"]),
            ("lease", data["lease_owner"] or "—"),
        )
    )
    if data.get("parent_id"):
        facts += (
            f'<dt>parent</dt><dd><a id="parent-link" href="{escape(link(data["parent_id"]))}">'
            f"{escape(data['parent_id'])}</a></dd>"
        )
    inputs = _pretty(call_input(data["input"]))
    paused = _paused(data.get("paused_at"), "wf-paused")
    below = (
        f"{_search(data.get('search') or {})}{timeline(data, now)}{graph}{error}{_children(data)}"
    )
    return f"""<div data-live="{live}"><p><a href="/dashboard">← workflows</a></p>
<h1><span class="wf-name">{escape(data["workflow"])}</span>
<code id="wf-id">{escape(data["id"])}</code>
<span class="badge {data["status"]}" id="wf-status">{data["status"]}</span>{paused}</h1>
{buttons}<dl class="facts">{facts}</dl>{below}
<section class="io"><div><h2>Input</h2><pre id="input">{inputs}</pre></div>
<div><h2>Output</h2><pre id="output">{_pretty(data["output"])}</pre></div></section></div>"""
