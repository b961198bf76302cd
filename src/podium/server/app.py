"""`create_app`: the ASGI application serving one podium App (API, dashboard, metrics)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from podium.observability import metrics
from podium.server import (
    access_api,
    api,
    apidocs,
    breakers_api,
    dashboard,
    errors,
    events_api,
    guard,
    insight_api,
    limits,
    machines_api,
    models,
    operate_api,
    schedules_api,
    sessions,
)
from podium.server.context import ServerState, state
from podium.server.security import Principal, require
from podium.store import auth as auth_store
from podium.store import browse

if TYPE_CHECKING:
    from podium.app import App

DEFAULT_MAX_BODY = 1_048_576


def create_app(
    app: App,
    *,
    auth: bool = True,
    max_body: int = DEFAULT_MAX_BODY,
    max_queue_depth: int | None = None,
) -> FastAPI:
    """The server for `app`: JSON API, dashboard and /metrics.

    With `auth`, every /api call needs a bearer token (`podium tokens create`). Bodies over
    `max_body` bytes are refused with 413; with `max_queue_depth`, starting a workflow on a
    queue that already holds that many pending ones is refused with 429.
    """
    if max_body < 1:
        raise ValueError(f"max_body={max_body!r} must be at least 1 byte")
    server = FastAPI(
        title=f"podium: {app.name}",
        version="1",
        description="Start, inspect and steer the durable workflows of a podium app.",
        docs_url=None,
        redoc_url=None,
    )
    server.state.podium = ServerState(
        app=app,
        auth_enabled=auth,
        max_body=max_body,
        max_queue_depth=max_queue_depth,
        metrics=metrics.Metrics(app, scaling=app.scaling),
        tokens=_auth_store(app),
        browser=browse.Browser(app.store),
        session_key=sessions.session_key(),
    )
    errors.install(server)
    server.include_router(api.router)
    server.include_router(access_api.router)
    server.include_router(events_api.router)
    server.include_router(machines_api.router)
    server.include_router(breakers_api.router)
    server.include_router(operate_api.router)
    server.include_router(insight_api.router)
    server.include_router(schedules_api.router)
    server.include_router(dashboard.router)
    _add_operations(server)
    server.add_middleware(limits.BodyLimit, max_body=max_body)
    server.add_middleware(guard.Guard, check_origin=not auth)
    server.openapi = _openapi(server)  # type: ignore[method-assign]
    return server


def _auth_store(app: App) -> auth_store.AuthStore:
    return auth_store.AuthStore(app.store)


def _add_operations(server: FastAPI) -> None:
    @server.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/dashboard", status_code=303)

    @server.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(apidocs.page(server.openapi()))

    @server.get("/healthz", response_model=models.Health, tags=["operations"])
    def healthz(request: Request) -> dict[str, Any]:
        """The server is up and its store answers a query."""
        state(request).browser.queues(0.0)
        return {"status": "ok"}

    @server.get(
        "/metrics",
        tags=["operations"],
        responses={
            200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
            **errors.documented(401, 403),
        },
    )
    def prometheus(request: Request, _who: Principal = Depends(require("read"))) -> Response:  # noqa: B008
        """Prometheus metrics (needs a read token when auth is on)."""
        body = state(request).metrics.render()
        return Response(body, media_type=metrics.CONTENT_TYPE)


def _openapi(server: FastAPI) -> Any:
    """The OpenAPI document, with FastAPI's unused 422 replaced by our 400 error shape."""
    original = server.openapi

    def build() -> dict[str, Any]:
        if server.openapi_schema is not None:
            return server.openapi_schema
        schema = original()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.get("responses", {})
                responses.pop("422", None)
        components = schema.get("components", {}).get("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        server.openapi_schema = schema
        return schema

    return build
