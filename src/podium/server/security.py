"""Bearer-token access control: each route requires a scope (read < write < admin).

A token may also be limited to some workflow names and/or queues, and denied payloads
(see `auth.TokenInfo`). Only the routes that check those limits themselves (`scoped=True`:
list, get, start, cancel and resume of workflows, and whoami) admit a limited token; every
other route refuses it with 403, so a limit can never be stepped around through a route that
does not know about it (bulk verbs, events that start workflows, token management, ...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from podium.server.context import ServerState, state
from podium.server.errors import ApiError
from podium.store import auth

COOKIE = "podium_session"
"""The dashboard's session cookie: a signed token id, never the token (see sessions)."""
bearer = HTTPBearer(auto_error=False, description="An API token from `podium tokens create`")


@dataclasses.dataclass(frozen=True)
class Principal(auth.Reach):
    """Who makes a request: an actor name for the audit log, their scopes and their reach."""

    actor: str
    scopes: tuple[str, ...]

    def limits(self) -> str:
        """Its limits in words, for error messages."""
        parts = []
        if self.workflows is not None:
            parts.append(f"workflows {', '.join(map(repr, self.workflows))}")
        if self.queues is not None:
            parts.append(f"queues {', '.join(map(repr, self.queues))}")
        return " and ".join(parts) or "nothing"


ANONYMOUS = Principal("no-auth", ("read", "write", "admin"))


def authenticate(st: ServerState, token: str | None) -> Principal | None:
    """The principal of `token`, ANONYMOUS without auth, None if it is not valid."""
    if not st.auth_enabled:
        return ANONYMOUS
    if not token:
        return None
    info = st.tokens.verify(token, st.now())
    if info is None:
        return None
    return principal_of(info)


def principal_of(info: auth.TokenInfo) -> Principal:
    """The principal of an active token."""
    return Principal(
        f"token:{info.id}:{info.name}",
        info.scopes,
        workflows=info.workflows,
        queues=info.queues,
        payloads=info.payloads,
    )


def allows(principal: Principal, scope: str) -> bool:
    """Whether `principal` holds `scope` or a higher one."""
    order = ("read", "write", "admin")
    if scope == "secrets":  # redacted values: only for tokens given this scope by name
        return scope in principal.scopes
    if scope not in order:  # an extra scope (traceback): held, or implied by admin
        return scope in principal.scopes or "admin" in principal.scopes
    return any(order.index(s) >= order.index(scope) for s in principal.scopes if s in order)


def require(scope: str, *, scoped: bool = False) -> Callable[..., Principal]:
    """A dependency that admits only requests whose bearer token grants `scope`.

    A token limited to workflows or queues is admitted only where `scoped` (the route
    applies the limits itself).
    """

    def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        st = state(request)
        given = credentials.credentials if credentials is not None else None
        if st.auth_enabled and given is None:
            raise ApiError(401, "this API needs 'Authorization: Bearer <token>'")
        principal = authenticate(st, given)
        if principal is None:
            raise ApiError(401, "the token is not valid (unknown, revoked or malformed)")
        if not allows(principal, scope):
            raise ApiError(403, f"this action needs a token with the {scope!r} scope")
        if principal.limited and not scoped:
            raise ApiError(
                403,
                f"this token is limited to {principal.limits()}; this action is not limited "
                "that way, so it needs a token without workflow or queue limits",
            )
        return principal

    return check


Reader = Annotated[Principal, Depends(require("read"))]
"""A route parameter: the caller, admitted with the 'read' scope (and no workflow limits)."""
Writer = Annotated[Principal, Depends(require("write"))]
"""A route parameter: the caller, admitted with the 'write' scope (and no workflow limits)."""
Admin = Annotated[Principal, Depends(require("admin"))]
"""A route parameter: the caller, admitted with the 'admin' scope (and no workflow limits)."""
ScopedReader = Annotated[Principal, Depends(require("read", scoped=True))]
"""Like `Reader`, also for a limited token: the route applies its limits itself."""
ScopedWriter = Annotated[Principal, Depends(require("write", scoped=True))]
"""Like `Writer`, also for a limited token: the route applies its limits itself."""
ScopedAdmin = Annotated[Principal, Depends(require("admin", scoped=True))]
"""Like `Admin`, also for a limited token: the route applies its limits itself."""


def check_start(principal: Principal, workflow: str, queue: str) -> None:
    """403 unless a workflow of this name on this queue is within the principal's limits."""
    if not principal.may_see(workflow, queue):
        raise ApiError(
            403,
            f"this token may only start {principal.limits()}; {workflow!r} on queue "
            f"{queue!r} is outside them",
        )
