"""The dashboard's actions: buttons by scope, a confirmation step, a CSRF token, an audit row.

Every action is a form POST to /dashboard/actions carrying the session's CSRF token (a random
value kept in an HttpOnly, SameSite=Strict cookie and repeated in each form: a page on another
site can neither read it nor make the browser send it). The first POST renders a confirmation
page; the second (with `confirm=1`) runs the verb through the same code as the JSON API, so
the audit log records it under the dashboard user's actor.
"""

from __future__ import annotations

import dataclasses
import secrets
import urllib.parse
from html import escape
from typing import Any

from podium.patterns import circuit
from podium.server import api, breakers_api, listing, operate_api, render, schedules_api
from podium.server.context import ServerState
from podium.server.errors import ApiError
from podium.server.security import Principal, allows
from podium.types import TERMINAL_STATUSES

CSRF_COOKIE = "podium_csrf"
SCOPE = "admin"
"""The scope every action needs (the JSON API's verbs are admin-only as well)."""
BULK_CAP = 1000
"""The most workflows one bulk action changes (a larger selection must be narrowed)."""
SINGLE = ("cancel", "resume", "pause", "unpause", "fork")
BULK = ("bulk-cancel", "bulk-resume", "bulk-pause")
QUEUE = ("queue-pause", "queue-resume")
SCHEDULE = ("schedule-pause", "schedule-resume", "schedule-trigger")
BREAKER = ("breaker-reset", "breaker-open")
VERBS = frozenset((*SINGLE, *BULK, *QUEUE, *SCHEDULE, *BREAKER))
OPS = "/dashboard/operations"


@dataclasses.dataclass(frozen=True)
class Session:
    """What the buttons need: the CSRF token and whether the viewer may act."""

    csrf: str
    allowed: bool


def new_token() -> str:
    """A fresh per-session CSRF token."""
    return secrets.token_urlsafe(32)


def session(who: Principal, cookie: str | None) -> Session:
    """The viewer's Session (a new token when the browser holds none)."""
    return Session(cookie or new_token(), allows(who, SCOPE))


def valid(cookie: str | None, given: str | None) -> bool:
    """Whether the form's token matches the session cookie's."""
    return bool(cookie) and bool(given) and secrets.compare_digest(str(cookie), str(given))


def _hidden(s: Session, fields: dict[str, str]) -> str:
    """The hidden inputs of an action form: the session's CSRF token, then `fields`."""
    return f'<input type="hidden" name="csrf" value="{escape(s.csrf)}">' + "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )


def _form(s: Session, fields: dict[str, str], label: str, ident: str, cls: str = "") -> str:
    return (
        f'<form method="post" action="/dashboard/actions" class="action">{_hidden(s, fields)}'
        f'<button type="submit" id="{escape(ident)}" class="act {escape(cls)}">'
        f"{escape(label)}</button></form>"
    )


def workflow_buttons(s: Session, data: dict[str, Any]) -> str:
    """The buttons of a workflow page ("" for a viewer without the scope)."""
    if not s.allowed:
        return ""
    wid, status = data["id"], data["status"]
    back = render.link(wid)
    buttons = []
    if status not in TERMINAL_STATUSES:
        buttons.append(
            _form(s, {"verb": "cancel", "id": wid, "back": back}, "Cancel", "act-cancel", "danger")
        )
        if data.get("paused_at") is None:
            buttons.append(
                _form(s, {"verb": "pause", "id": wid, "back": back}, "Pause", "act-pause")
            )
        else:
            buttons.append(
                _form(s, {"verb": "unpause", "id": wid, "back": back}, "Unpause", "act-unpause")
            )
    if status in ("failed", "cancelled"):
        buttons.append(
            _form(
                s,
                {"verb": "resume", "id": wid, "back": back},
                "Resume from the failed step",
                "act-resume",
            )
        )
    if status in TERMINAL_STATUSES:
        steps = sorted({int(e["seq"]) for e in data.get("history", [])})
        options = '<option value="0">#0 (from the start)</option>' + "".join(
            f'<option value="{n}">#{n}</option>' for n in steps if n > 0
        )
        buttons.append(
            '<form method="post" action="/dashboard/actions" class="action">'
            f'<input type="hidden" name="csrf" value="{escape(s.csrf)}">'
            '<input type="hidden" name="verb" value="fork">'
            f'<input type="hidden" name="id" value="{escape(wid)}">'
            f'<input type="hidden" name="back" value="{escape(back)}">'
            "<label>fork from step "
            f'<select name="from_step" id="fork-step">{options}</select></label>'
            '<button type="submit" id="act-fork" class="act">Fork</button></form>'
        )
    if not buttons:
        return ""
    return f'<section class="actions" id="actions">{"".join(buttons)}</section>'


def row_buttons(s: Session, row: dict[str, Any]) -> str:
    """The per-row button of the workflow list: cancel an unfinished one, resume a failed one."""
    if not s.allowed:
        return ""
    fields = {"id": row["id"], "back": "/dashboard"}
    if row["status"] not in TERMINAL_STATUSES:
        return _form(s, {"verb": "cancel", **fields}, "Cancel", f"row-cancel-{row['id']}", "small")
    if row["status"] in ("failed", "cancelled"):
        return _form(s, {"verb": "resume", **fields}, "Resume", f"row-resume-{row['id']}", "small")
    return ""


def bulk_buttons(s: Session, filters: dict[str, str], back: str) -> str:
    """Bulk cancel/resume/pause of the list's current filtered selection."""
    if not s.allowed:
        return ""
    fields = {k: v for k, v in filters.items() if v}
    fields["back"] = back
    forms = "".join(
        _form(s, {"verb": f"bulk-{verb}", **fields}, f"{label} all matching", f"bulk-{verb}", cls)
        for verb, label, cls in (
            ("cancel", "Cancel", "danger"),
            ("resume", "Resume", ""),
            ("pause", "Pause", ""),
        )
    )
    return f'<div class="bulk-actions" id="bulk-actions">{forms}</div>'


def queue_button(s: Session, name: str, paused: bool) -> str:
    """Pause or resume queue `name`."""
    if not s.allowed:
        return ""
    verb, label = ("queue-resume", "Resume") if paused else ("queue-pause", "Pause")
    fields = {"verb": verb, "queue": name, "back": OPS}
    return _form(s, fields, label, f"{verb}-{name}", "small")


def ops_buttons(s: Session, kind: str, name: str, state: str) -> str:
    """The buttons of one row of the Operations page: a queue, a schedule or a breaker.

    `state` is "paused"/"active" for queues and schedules, the breaker's state for breakers.
    """
    if not s.allowed:
        return ""
    if kind == "queue":
        return queue_button(s, name, state == "paused")
    if kind == "schedule":
        verb, label = ("resume", "Resume") if state == "paused" else ("pause", "Pause")
        fields = {"schedule": name, "back": OPS}
        return _form(
            s, {"verb": f"schedule-{verb}", **fields}, label, f"schedule-{verb}-{name}", "small"
        ) + _form(
            s,
            {"verb": "schedule-trigger", **fields},
            "Run now",
            f"schedule-trigger-{name}",
            "small",
        )
    fields = {"breaker": name, "back": OPS}
    if state == "closed":
        return _form(
            s, {"verb": "breaker-open", **fields}, "Force open", f"breaker-open-{name}", "small"
        )
    return _form(
        s, {"verb": "breaker-reset", **fields}, "Reset (close)", f"breaker-reset-{name}", "small"
    )


# -- running a verb -----------------------------------------------------------------------


def _eligible(verb: str, row: dict[str, Any]) -> bool:
    if verb == "bulk-resume":
        return row["status"] in ("failed", "cancelled")
    if verb == "bulk-pause":
        return row["status"] not in TERMINAL_STATUSES and row.get("paused_at") is None
    return row["status"] not in TERMINAL_STATUSES


def selection(st: ServerState, verb: str, form: dict[str, str]) -> list[str]:
    """The ids a bulk verb changes: the list's filtered selection, those it applies to."""
    try:
        rows = listing.rows(st, listing.read(form), BULK_CAP * 10 + 1, 0)
    except listing.BadFilter as exc:
        raise ApiError(400, str(exc)) from None
    found = [str(r["id"]) for r in rows if _eligible(verb, r)]
    if len(found) > BULK_CAP or len(rows) > BULK_CAP * 10:
        raise ApiError(400, f"the selection holds more than {BULK_CAP}; narrow the filter first")
    return found


def describe(st: ServerState, verb: str, form: dict[str, str]) -> str:
    """What the confirmation page asks, in words."""
    if verb in BULK:
        ids = selection(st, verb, form)
        given = ", ".join(f"{k}={v}" for k, v in sorted(form.items()) if k in _FILTERS and v)
        what = given or "no filter: every top-level workflow"
        return f"{verb.split('-')[1].capitalize()} {len(ids)} workflows matching {what}?"
    if verb in QUEUE:
        return f"{verb.split('-')[1].capitalize()} queue {form.get('queue', '')!r}?"
    if verb in SCHEDULE:
        info = schedules_api.find(st, form.get("schedule", ""))
        if verb == "schedule-trigger":
            if info.workflow not in st.app.registry.workflows:
                raise ApiError(
                    400,
                    f"schedule {info.name!r} runs workflow {info.workflow!r}, which app "
                    f"{st.app.name!r} does not declare; run it from a server of the app that does",
                )
            return f"Run schedule {info.name!r} (workflow {info.workflow!r}) once now?"
        return f"{verb.split('-')[1].capitalize()} schedule {info.name!r}?"
    if verb in BREAKER:
        name = form.get("breaker", "")
        if name not in breakers_api.known(st):
            raise ApiError(404, f"no circuit breaker named {name!r}")
        if verb == "breaker-open":
            return f"Open circuit breaker {name!r}? Its calls fail fast until its cooldown."
        return f"Reset circuit breaker {name!r} to closed (its failure window is forgotten)?"
    record = api._existing(st, form.get("id", ""))
    extra = f" from step #{form.get('from_step', '0')}" if verb == "fork" else ""
    return f"{verb.capitalize()} workflow {record.id!r} ({record.status}){extra}?"


_FILTERS = listing.FIELDS


def run(st: ServerState, who: Principal, verb: str, form: dict[str, str]) -> str:
    """Run `verb`; the page to go back to (ApiError when the verb does not apply)."""
    if verb in BULK:
        return _bulk(st, who, verb, form)
    if verb in QUEUE:
        name = api._text(form.get("queue"), "the queue") or ""
        operate_api._queue(name, who, st, verb == "queue-pause")
        return _back(form)
    if verb in SCHEDULE:
        name = form.get("schedule", "")
        if verb == "schedule-trigger":
            schedules_api.trigger(name, who, st)
        else:
            schedules_api.pausing(name, who, st, verb == "schedule-pause")
        return _back(form)
    if verb in BREAKER:
        to = circuit.OPEN if verb == "breaker-open" else circuit.CLOSED
        breakers_api.move(form.get("breaker", ""), who, st, to, "dashboard")
        return _back(form)
    wid = form.get("id", "")
    if verb == "cancel":
        api.cancel_workflow(wid, who, st)
    elif verb == "resume":
        api.resume_workflow(wid, who, st)
    elif verb in ("pause", "unpause"):
        operate_api._pausing(wid, who, st, verb == "pause")
    elif verb == "fork":
        try:
            step = int(form.get("from_step", "0"))
        except ValueError:
            raise ApiError(400, "from_step must be a whole number") from None
        from podium.server import models

        made = api.fork_workflow(wid, models.ForkRequest(from_step=step), who, st)
        return render.link(made["id"])
    return _back(form)


def _bulk(st: ServerState, who: Principal, verb: str, form: dict[str, str]) -> str:
    ids = selection(st, verb, form)
    app = st.app
    done = 0
    for wid in ids:
        record = app.store.get_workflow(wid)
        if record is None or not _eligible(verb, {**api.summary(record)}):
            continue
        if verb == "bulk-cancel":
            app.cancel(wid)
        elif verb == "bulk-resume":
            app.resume(wid)
        else:
            app.get(wid).pause()
        done += 1
    given = {k: form[k] for k in _FILTERS if form.get(k)}
    target = " ".join(f"{k}={v}" for k, v in given.items())[:200]
    action = f"workflow.{verb.split('-')[1]}_many"
    st.tokens.audit(
        who.actor, action, target, {"filters": given, "count": done, "via": "dashboard"}, st.now()
    )
    return _back(form)


def _back(form: dict[str, str]) -> str:
    back = form.get("back") or "/dashboard"
    parsed = urllib.parse.urlsplit(back)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith("/dashboard"):
        return "/dashboard"
    return back


def confirm_page(s: Session, verb: str, form: dict[str, str], question: str) -> str:
    """The confirmation step: the same fields again, with confirm=1."""
    fields = {k: v for k, v in form.items() if k not in ("csrf", "confirm")}
    return (
        f'<section class="confirm card" id="confirm-box"><h1>Please confirm</h1>'
        f'<p id="confirm-question">{escape(question)}</p>'
        f'<form method="post" action="/dashboard/actions">{_hidden(s, fields)}'
        f'<input type="hidden" name="confirm" value="1">'
        f'<button type="submit" id="confirm" class="act danger">'
        f"Yes, {escape(verb.replace('-', ' '))}</button> "
        f'<a href="{escape(_back(form))}" id="confirm-back">No, go back</a></form></section>'
    )
