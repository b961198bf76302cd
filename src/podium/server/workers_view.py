"""The dashboard's Workers page: every registered worker, live or expired, from podium_workers.

A worker registers itself (owner, app, queues, workflow names) and beats until it stops; one
that stopped beating past its expiry is shown as expired until the live workers forget it.
Running counts come from the leases held, so a worker holding leases without a registration
(an older version) is listed too.
"""

from __future__ import annotations

import dataclasses
from html import escape

from podium.server import render
from podium.server.context import ServerState
from podium.store import base

SHOWN_NAMES = 6
"""Workflow names listed per worker before "and N more"."""


@dataclasses.dataclass(frozen=True)
class WorkerRow:
    """One worker as the page shows it."""

    info: base.WorkerInfo
    running: int
    expired: bool


def gather(st: ServerState) -> tuple[list[WorkerRow], float]:
    """The workers (live first, then expired, newest first within each) and the time now."""
    now = st.now()
    leases = st.browser.leases()
    running = {str(r["worker"]): int(r["running"]) for r in leases}
    found = st.browser.workers()
    known = {w.owner for w in found}
    lease = st.app.settings.lease_seconds
    for owner, lease_until in ((str(r["worker"]), float(r["lease_until"])) for r in leases):
        if owner not in known:
            beat = lease_until - lease
            found.append(base.WorkerInfo(owner, "?", (), (), beat, beat, lease_until))
    rows = [WorkerRow(w, running.get(w.owner, 0), w.expires_at <= now) for w in found]
    rows.sort(key=lambda r: (r.expired, -r.info.started_at, r.info.owner))
    return rows, now


def _names(names: tuple[str, ...]) -> str:
    public = [n for n in names if not n.startswith("podium.")]
    shown = ", ".join(escape(n) for n in public[:SHOWN_NAMES])
    more = len(public) - SHOWN_NAMES
    extra = f' <span class="muted">and {more} more</span>' if more > 0 else ""
    return (shown + extra) or '<span class="muted">—</span>'


def _row(row: WorkerRow, now: float) -> str:
    w = row.info
    state = (
        '<span class="badge failed worker-expired">expired</span>'
        if row.expired
        else '<span class="badge completed worker-live">live</span>'
    )
    age = render.seconds(max(0.0, now - w.beat_at))
    return (
        f'<tr class="worker{" expired" if row.expired else ""}" data-worker="{escape(w.owner)}">'
        f"<td><code>{escape(w.owner)}</code></td><td>{state}</td><td>{escape(w.app)}</td>"
        f"<td>{escape(', '.join(w.queues)) or '—'}</td><td class='wrap'>{_names(w.workflows)}</td>"
        f'<td class="num">{row.running}</td><td>{render.iso(w.started_at)}</td>'
        f"<td>{render.iso(w.beat_at)} <span class='muted'>({age} ago)</span></td></tr>"
    )


def page(rows: list[WorkerRow], now: float) -> str:
    """The live part of the Workers page."""
    live = sum(not r.expired for r in rows)
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "worker",
            "state",
            "app",
            "queues",
            "workflows",
            "running",
            "started (UTC)",
            "last heartbeat (UTC)",
        )
    )
    body = "".join(_row(r, now) for r in rows) or (
        '<tr><td colspan="8" class="muted">No worker has registered with this store. '
        "Start one with <code>podium worker APP</code>.</td></tr>"
    )
    return (
        f'<div data-live="1"><h1>Workers</h1><p id="worker-count">{live} live, '
        f"{len(rows) - live} expired</p>"
        f'<div class="scroll"><table class="workflows" id="workers"><thead><tr>{head}</tr>'
        f"</thead><tbody>{body}</tbody></table></div></div>"
    )
