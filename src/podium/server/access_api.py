"""The access part of the JSON API under /api/v1: whoami, API tokens and the audit log.

Tokens may be limited to workflow names and queues and denied payloads (see
`auth.TokenInfo`, `security`); only a token without such limits manages tokens.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from podium import errors
from podium.server import models, payloads
from podium.server.context import State
from podium.server.errors import ApiError, documented
from podium.server.models import NO_NUL, clean
from podium.server.security import Admin, ScopedReader
from podium.store import auth

router = APIRouter(prefix="/api/v1", responses=documented(400, 401, 403))


@router.get("/whoami", response_model=models.Whoami, tags=["access"])
def whoami(who: ScopedReader, st: State) -> dict[str, Any]:
    """The actor, scopes and limits of the calling token."""
    return {
        "actor": who.actor,
        "scopes": list(who.scopes),
        "auth": st.auth_enabled,
        "workflows": None if who.workflows is None else list(who.workflows),
        "queues": None if who.queues is None else list(who.queues),
        "payloads": who.payloads,
    }


@router.get("/tokens", response_model=list[models.Token], tags=["access"])
def list_tokens(_who: Admin, st: State) -> list[dict[str, Any]]:
    """Every API token (secrets are never shown again)."""
    return [_token(t) for t in st.tokens.list_tokens()]


@router.post("/tokens", response_model=models.NewToken, status_code=201, tags=["access"])
def create_token(body: models.TokenRequest, who: Admin, st: State) -> dict[str, Any]:
    """Create a token; its secret is in this response only (admin; audited).

    `workflows` / `queues` limit it to those workflow names / queues; `payloads: false`
    lets it see metadata only.
    """
    now = st.now()
    expires = None if body.expires_in is None else now + body.expires_in
    try:
        info, token = st.tokens.create_token(
            body.name,
            list(body.scopes),
            now,
            expires,
            workflows=body.workflows,
            queues=body.queues,
            payloads=body.payloads,
        )
    except errors.ConfigurationError as exc:
        raise ApiError(400, str(exc)) from None
    st.tokens.audit(who.actor, "token.create", info.id, info.limits(), st.now())
    return {**_token(info), "token": token}


@router.delete(
    "/tokens/{token_id}",
    response_model=models.Token,
    tags=["access"],
    responses=documented(404, 409),
)
def revoke_token(
    token_id: Annotated[str, Path(min_length=1, max_length=100, pattern=NO_NUL)],
    who: Admin,
    st: State,
) -> dict[str, Any]:
    """Revoke a token at once (admin; audited)."""
    try:
        key = clean(token_id)
    except ValueError as exc:
        raise ApiError(400, f"the token id {exc}") from None
    try:
        revoked = st.tokens.revoke(key, st.now())
    except errors.ConfigurationError as exc:
        raise ApiError(409, str(exc), "last_admin") from None
    if not revoked:
        raise ApiError(404, f"no active token has the id {token_id!r}", "unknown_token")
    st.tokens.audit(who.actor, "token.revoke", key, None, st.now())
    info = st.tokens.get_token(key)
    assert info is not None
    return _token(info)


def _token(info: auth.TokenInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.name,
        "scopes": list(info.scopes),
        "created_at": info.created_at,
        "revoked_at": info.revoked_at,
        "expires_at": info.expires_at,
        "workflows": None if info.workflows is None else list(info.workflows),
        "queues": None if info.queues is None else list(info.queues),
        "payloads": info.payloads,
    }


@router.get("/audit", response_model=list[models.AuditItem], tags=["access"])
def audit_log(
    who: Admin,
    st: State,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Admin actions (cancel, resume, token changes), newest first."""
    entries = [dataclasses.asdict(e) for e in st.tokens.audit_log(limit, offset)]
    return payloads.audit_shown(who, entries)
