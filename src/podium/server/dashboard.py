"""The dashboard: server-rendered pages (hand-written CSS/JS, no CDN) over the same store.

It logs in with an API token kept in an HttpOnly cookie, reads only, and refreshes its live
part every few seconds by fetching the same page with `X-Podium-Partial: 1`.
"""

from __future__ import annotations

import importlib.resources
import urllib.parse
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from podium.server import api, asl_view, operations, render
from podium.server.context import ServerState, state
from podium.server.models import Status, clean
from podium.server.security import COOKIE, Principal, allows, authenticate
from podium.store import browse

router = APIRouter(prefix="/dashboard", include_in_schema=False)
PAGE = 50
CHILDREN = 100
"""Children listed on a workflow's page (the rest are one link away)."""
STATIC = {"podium.css": "text/css", "podium.js": "text/javascript"}


def _viewer(request: Request) -> Principal | None:
    st = state(request)
    principal = authenticate(st, request.cookies.get(COOKIE))
    return principal if principal is not None and allows(principal, "read") else None


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
    """Check the token from the form; keep it in an HttpOnly cookie."""
    form = urllib.parse.parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    st = state(request)
    principal = authenticate(st, token) if token else None
    if principal is None or not allows(principal, "read"):
        return RedirectResponse("/dashboard/login?error=1", status_code=303)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=12 * 3600)
    return response


@router.post("/logout")
def logout() -> Response:
    """Forget the token."""
    response = _login_redirect()
    response.delete_cookie(COOKIE)
    return response


@router.get("")
def workflows_page(
    request: Request,
    status: Status | None = None,
    workflow: Annotated[str | None, Query(max_length=200)] = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    children: Annotated[str | None, Query(max_length=10)] = None,
    parent: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The workflow list with live status counts and filters (top-level workflows by default)."""
    who = _viewer(request)
    if who is None:
        return _login_redirect()
    st = state(request)
    parent_id = _clean(parent)
    where = browse.Filter(
        status=status,
        workflow=_clean(workflow),
        search=_clean(search),
        top_level=not children and parent_id is None,
        parent_id=parent_id,
    )
    rows = st.browser.workflows(where, PAGE + 1, offset)
    view = render.ListView(
        rows=api.with_notes(st, rows[:PAGE]),
        counts=api.counts(st),
        names=workflow_names(st),
        filters={
            "status": status or "",
            "workflow": workflow or "",
            "search": search or "",
            "children": "1" if children else "",
            "parent": parent_id or "",
        },
        offset=offset,
        more=len(rows) > PAGE,
        now=st.now(),
    )
    partial = request.headers.get("x-podium-partial") == "1"
    body = (
        render.workflow_list(view)
        if partial
        else render.page(
            f"{st.app.name} · workflows", render.workflow_list(view), who.actor, st.auth_enabled
        )
    )
    return HTMLResponse(body)


@router.get("/operations")
def operations_page(request: Request) -> Response:
    """Queues, circuit breakers, schedules and state machines, refreshed live."""
    who = _viewer(request)
    if who is None:
        return _login_redirect()
    st = state(request)
    inner = operations.page(operations.gather(st))
    if request.headers.get("x-podium-partial") == "1":
        return HTMLResponse(inner)
    title = f"{st.app.name} · operations"
    return HTMLResponse(render.page(title, inner, who.actor, st.auth_enabled))


@router.get("/workflows/{workflow_id:path}")
def workflow_page(request: Request, workflow_id: Annotated[str, Path(max_length=200)]) -> Response:
    """One workflow: its timeline, attempts, input, output and error."""
    who = _viewer(request)
    if who is None:
        return _login_redirect()
    st = state(request)
    record = st.app.store.get_workflow(_clean(workflow_id) or "")
    if record is None:
        body = render.page("not found", render.not_found(workflow_id), who.actor, st.auth_enabled)
        return HTMLResponse(body, status_code=404)
    data = api.detail(st, record, tracebacks=allows(who, "traceback"))
    data["children"] = st.browser.workflows(browse.Filter(parent_id=record.id), CHILDREN + 1, 0)
    inner = render.workflow_detail(data, st.now())
    inner += operations.machine_section(st, record.workflow, record.id)
    inner += asl_view.section(st, record)
    if request.headers.get("x-podium-partial") == "1":
        return HTMLResponse(inner)
    title = f"{record.workflow} {record.id}"
    return HTMLResponse(render.page(title, inner, who.actor, st.auth_enabled))


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
