"""The dashboard: server-rendered pages (hand-written CSS/JS, no CDN) over the same store.

The one third-party file is dagre (static/dagre.min.js, MIT, with static/dagre.LICENSE),
vendored and loaded by podium.js only on pages with a large ASL state graph to lay out.

It logs in with an API token kept in an HttpOnly cookie, refreshes its live part every few
seconds by fetching the same page with `X-Podium-Partial: 1`, and shows action buttons (see
podium.server.actions: confirmed, CSRF-protected, audited) to viewers whose scope allows them.
"""

from __future__ import annotations

import importlib.resources
import urllib.parse
from collections.abc import Callable
from html import escape
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from podium.server import (
    actions,
    api,
    asl_view,
    graph_view,
    history_view,
    insight_view,
    listing,
    operations,
    render,
    sessions,
    workers_view,
)
from podium.server.context import ServerState, state
from podium.server.errors import ApiError
from podium.server.models import clean
from podium.server.security import ANONYMOUS, COOKIE, Principal, allows, principal_of
from podium.store import browse
from podium.store.children import Children

router = APIRouter(prefix="/dashboard", include_in_schema=False)
PAGE = 50
CHILDREN = 100
"""Children listed on a workflow's page (the rest are one link away)."""
STATIC = {
    "podium.css": "text/css",
    "podium.js": "text/javascript",
    "dagre.min.js": "text/javascript",
    "dagre.LICENSE": "text/plain",
}


def _viewer(request: Request) -> Principal | None:
    st = state(request)
    if not st.auth_enabled:
        return ANONYMOUS
    cookie = request.cookies.get(COOKIE)
    info = sessions.verify(st.session_key, st.tokens, cookie, st.now()) if cookie else None
    principal = None if info is None else principal_of(info)
    return principal if principal is not None and _may_view(principal) else None


def _may_view(principal: Principal) -> bool:
    """Whether `principal` may open the dashboard: read access to everything.

    The dashboard shows every workflow with its payloads, so a token limited to workflows or
    queues, or without the payloads right, cannot open it.
    """
    return allows(principal, "read") and not principal.limited and principal.payloads


def _https(request: Request) -> bool:
    """Served over https (directly, or behind a proxy that says so): cookies get `Secure`."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _foreign_origin(request: Request) -> bool:
    """A browser request whose Origin is not this server (a cross-site login or logout)."""
    origin = request.headers.get("origin")
    if origin is None:
        return False
    host = request.headers.get("host", "")
    return origin == "null" or urllib.parse.urlsplit(origin).netloc.lower() != host.lower()


def _login_redirect() -> RedirectResponse:
    return RedirectResponse("/dashboard/login", status_code=303)


@router.get("/static/{name}")
def static(name: str) -> Response:
    """The dashboard's own stylesheet and script."""
    if name not in STATIC:
        return Response("not found", status_code=404, media_type="text/plain")
    text = (importlib.resources.files("podium.server") / "static" / name).read_text()
    return Response(text, media_type=STATIC[name], headers={"Cache-Control": "max-age=60"})


@router.get("/login")
def login_page(request: Request, error: str | None = None) -> HTMLResponse:
    """The token form."""
    if not state(request).auth_enabled:
        return HTMLResponse(status_code=303, headers={"Location": "/dashboard"})
    return HTMLResponse(render.login(bool(error)))


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the token from the form; keep a signed session (not the token) in a cookie.

    A login posted from another site (its Origin is not this server) is refused.
    """
    if _foreign_origin(request):
        return Response("cross-site login refused", status_code=403, media_type="text/plain")
    form = urllib.parse.parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    st = state(request)
    info = st.tokens.verify(token, st.now()) if token and st.auth_enabled else None
    if info is None or not _may_view(principal_of(info)):
        return RedirectResponse("/dashboard/login?error=1", status_code=303)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(
        COOKIE,
        sessions.issue(st.session_key, info, st.now()),
        httponly=True,
        samesite="strict",
        secure=_https(request),
        max_age=sessions.TTL,
    )
    _set_csrf(response, actions.new_token(), secure=_https(request))
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Forget the session (a logout posted from another site is refused)."""
    if _foreign_origin(request):
        return Response("cross-site logout refused", status_code=403, media_type="text/plain")
    response = _login_redirect()
    response.delete_cookie(COOKIE)
    response.delete_cookie(actions.CSRF_COOKIE, path="/dashboard")
    return response


def _set_csrf(response: Response, token: str, *, secure: bool = False) -> None:
    response.set_cookie(
        actions.CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure,
        max_age=sessions.TTL,
        path="/dashboard",
    )


def _session(request: Request, who: Principal) -> actions.Session:
    return actions.session(who, request.cookies.get(actions.CSRF_COOKIE))


def _html(request: Request, body: str, s: actions.Session, status: int = 200) -> HTMLResponse:
    """An HTML response that gives the browser its CSRF cookie when it has none yet."""
    response = HTMLResponse(body, status_code=status)
    if request.cookies.get(actions.CSRF_COOKIE) != s.csrf:
        _set_csrf(response, s.csrf, secure=_https(request))
    return response


def _live_page(
    request: Request,
    who: Principal,
    session: actions.Session,
    title: str,
    inner: str,
    status: int = 200,
) -> HTMLResponse:
    """The page `title` around `inner`, or `inner` alone for a live refresh (partial fetch)."""
    if request.headers.get("x-podium-partial") == "1":
        return _html(request, inner, session, status)
    page = render.page(title, inner, who.actor, state(request).auth_enabled)
    return _html(request, page, session, status)


@router.get("")
def workflows_page(
    request: Request, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
) -> Response:
    """The workflow list with live counts and filters (top-level workflows by default).

    Filters (see podium.server.listing): status, workflow, search (id substring), attr
    (`key=value, ...`), after/before (created, UTC), children, parent. An unreadable filter
    is shown in the page with a 400, never a traceback.
    """
    who = _viewer(request)
    if who is None:
        return _login_redirect()
    st = state(request)
    session = _session(request, who)
    error, total = "", None
    try:
        sel = listing.read(request.query_params)
        rows = listing.rows(st, sel, PAGE + 1, offset, who)
        total = listing.total(st, sel, who)
    except listing.BadFilter as exc:
        error, rows = str(exc), []
        given = {k: request.query_params.get(k, "")[: listing.MAX_TEXT] for k in listing.FIELDS}
        sel = listing.Selection(browse.Filter(), (), given)
    filters = sel.given
    back = "/dashboard?" + urllib.parse.urlencode({k: v for k, v in filters.items() if v})
    view = render.ListView(
        rows=api.with_notes(st, rows[:PAGE]),
        counts=api.counts(st),
        names=workflow_names(st),
        filters=filters,
        offset=offset,
        more=len(rows) > PAGE,
        now=st.now(),
        bulk="" if error else actions.bulk_buttons(session, filters, back),
        row_actions=(lambda row: actions.row_buttons(session, row)) if session.allowed else None,
        error=error,
        total=total,
    )
    title = f"{st.app.name} · workflows"
    inner = render.workflow_list(view)
    return _live_page(request, who, session, title, inner, 400 if error else 200)


LiveView = Callable[[ServerState, actions.Session], str]
"""A dashboard view: the HTML inside the page, for the store and the viewer's session."""


def _live_view(path: str, name: str) -> Callable[[LiveView], LiveView]:
    """Serve the view at GET `path`, logged in, as the page "<app> · `name`", refreshed live."""

    def serve(view: LiveView) -> LiveView:
        def endpoint(request: Request) -> Response:
            who = _viewer(request)
            if who is None:
                return _login_redirect()
            st = state(request)
            session = _session(request, who)
            return _live_page(request, who, session, f"{st.app.name} · {name}", view(st, session))

        router.add_api_route(
            path, endpoint, methods=["GET"], name=view.__name__, description=view.__doc__ or ""
        )
        return view

    return serve


@_live_view("/operations", "operations")
def operations_page(st: ServerState, session: actions.Session) -> str:
    """Queues, circuit breakers, schedules and state machines, refreshed live."""
    buttons = (
        (lambda kind, name, now: actions.ops_buttons(session, kind, name, now))
        if session.allowed
        else None
    )
    return operations.page(operations.gather(st), buttons)


@_live_view("/workers", "workers")
def workers_page(st: ServerState, session: actions.Session) -> str:
    """Registered workers: app, queues, workflow names, started, last heartbeat, expired."""
    return workers_view.page(*workers_view.gather(st))


@_live_view("/intelligence", "intelligence")
def intelligence_page(st: ServerState, session: actions.Session) -> str:
    """Remediation rules and their firings; telemetry series with their anomalies marked."""
    return insight_view.page(insight_view.gather(st))


@router.get("/workflows/{workflow_id:path}")
def workflow_page(request: Request, workflow_id: Annotated[str, Path(max_length=200)]) -> Response:
    """One workflow: timeline, attempts, input, output, error, event history and a drawing.

    The drawing is a state machine's or an ASL workflow's states, else the DAG of its steps
    and children (podium.server.graph_view). Without an id (`/dashboard/workflows/`, which
    `/dashboard/workflows` redirects to) it sends the viewer to the workflow list.
    """
    who = _viewer(request)
    if who is None:
        return _login_redirect()
    if not workflow_id.strip():
        return RedirectResponse("/dashboard", status_code=303)
    st = state(request)
    record = st.app.store.get_workflow(_clean(workflow_id) or "")
    if record is None:
        body = render.page("not found", render.not_found(workflow_id), who.actor, st.auth_enabled)
        return HTMLResponse(body, status_code=404)
    data = api.detail(
        st, record, tracebacks=allows(who, "traceback"), reveal=allows(who, "secrets")
    )
    data["children"] = st.browser.workflows(browse.Filter(parent_id=record.id), CHILDREN + 1, 0)
    session = _session(request, who)
    buttons = actions.workflow_buttons(session, data)
    drawn = operations.machine_section(st, record.workflow, record.id)
    drawn += asl_view.section(st, record)
    # A state machine or an ASL workflow: its states, below the history. A Python workflow:
    # the DAG of its steps and children, right below its timeline.
    graph = "" if drawn else graph_view.section(data, lambda ids: _statuses(st, ids), st.now())
    inner = render.workflow_detail(data, st.now(), buttons, graph)
    inner += history_view.table(data, st.now()) + drawn
    return _live_page(request, who, session, f"{record.workflow} {record.id}", inner)


@router.post("/actions")
async def act(request: Request) -> Response:
    """Run a dashboard action: confirm it first, then run it (CSRF token and scope checked)."""
    who = _viewer(request)
    if who is None:
        return _login_redirect()
    st = state(request)
    raw = urllib.parse.parse_qs((await request.body()).decode("utf-8", "replace"))
    form = {k: v[0] for k, v in raw.items() if v}
    session = _session(request, who)
    if not actions.valid(request.cookies.get(actions.CSRF_COOKIE), form.get("csrf")):
        return _refused(
            request,
            who,
            session,
            403,
            "This form is stale or not from this dashboard "
            "(its CSRF token is missing or wrong). Reload the page and try again.",
        )
    verb = form.get("verb", "")
    if verb not in actions.VERBS:
        return _refused(request, who, session, 400, f"Unknown action {verb!r}.")
    if not session.allowed:
        return _refused(
            request, who, session, 403, f"This action needs the {actions.SCOPE!r} scope."
        )
    try:
        if form.get("confirm") != "1":
            question = actions.describe(st, verb, form)
            body = actions.confirm_page(session, verb, form, question)
            title = f"{st.app.name} · confirm"
            return _html(request, render.page(title, body, who.actor, st.auth_enabled), session)
        back = actions.run(st, who, verb, form)
    except ApiError as exc:
        return _refused(request, who, session, exc.status, exc.message)
    return RedirectResponse(back, status_code=303)


def _refused(
    request: Request, who: Principal, session: actions.Session, status: int, message: str
) -> Response:
    st = state(request)
    body = (
        f'<p class="error" id="action-error">{escape(message)}</p>'
        '<p><a href="/dashboard">← workflows</a></p>'
    )
    page = render.page(f"{st.app.name} · refused", body, who.actor, st.auth_enabled)
    return _html(request, page, session, status)


def _statuses(st: ServerState, ids: list[str]) -> dict[str, str]:
    """The status of each of the workflows `ids` that exists (one query)."""
    return {i: c.status for i, c in Children(st.app.store.connector).states(ids).items()}


def workflow_names(st: ServerState) -> list[str]:
    """Every workflow name in the store or the served app (internal ones left out)."""
    names = set(st.browser.workflow_names()) | set(st.app.registry.workflows)
    return sorted(n for n in names if not n.startswith(api.INTERNAL))


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return clean(value)
    except ValueError:
        return None
