"""Circuit breakers over HTTP: each declared breaker's state, settings and transitions."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query

from podium.patterns import circuit
from podium.server.context import ServerState, State, name_in_path
from podium.server.errors import ApiError, documented
from podium.server.models import NO_NUL, _Strict
from podium.server.security import Admin, Principal, Reader
from podium.store import breakers

Name = Annotated[str, name_in_path("The breaker name")]

router = APIRouter(prefix="/api/v1", tags=["operations"], responses=documented(400, 401, 403))


@router.get("/breakers")
def list_breakers(_who: Reader, st: State) -> list[dict[str, Any]]:
    """Every breaker the app declares: its stored state and its settings."""
    app = st.app
    return [
        {
            "name": breaker.name,
            "state": app.breaker_state(breaker.name),
            "settings": dataclasses.asdict(breaker.policy),
        }
        for breaker in app.breakers
    ]


@router.get("/breakers/transitions")
def breaker_transitions(
    _who: Reader,
    st: State,
    name: Annotated[str | None, Query(min_length=1, max_length=200, pattern=NO_NUL)] = None,
    since: Annotated[float, Query(ge=0, le=1e12, allow_inf_nan=False)] = 0.0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Recorded state changes (time, from, to, reason, failure rate), oldest first."""
    events = circuit.transitions(st.app.store, name, since, limit)
    return [dataclasses.asdict(event) for event in events]


class BreakerMove(_Strict):
    """A breaker moved by an operator: its state now, and whether it changed."""

    name: str
    state: str
    changed: bool


def known(st: ServerState) -> set[str]:
    """Breakers the served app declares plus those in the store (any app's)."""
    stored = breakers.Breakers(st.app.store.connector).states()
    return set(stored) | {b.name for b in st.app.breakers}


def move(name: str, who: Principal, st: ServerState, to_state: str, via: str) -> dict[str, Any]:
    """Force breaker `name` to `to_state` as `who` (404 unknown), audited."""
    names = known(st)
    if name not in names:
        listed = ", ".join(sorted(names)) or "none"
        raise ApiError(
            404, f"no circuit breaker named {name!r} (known: {listed})", "unknown_breaker"
        )
    reason = f"{'reset' if to_state == circuit.CLOSED else 'opened'} by {who.actor} ({via})"
    changed = circuit.force(st.app.runtime, name, to_state, reason)
    action = "breaker.reset" if to_state == circuit.CLOSED else "breaker.open"
    st.tokens.audit(who.actor, action, name, {"changed": changed, "via": via}, st.now())
    stored = breakers.Breakers(st.app.store.connector).states()
    return {"name": name, "state": stored.get(name, circuit.CLOSED), "changed": changed}


@router.post("/breakers/{name}/reset", response_model=BreakerMove, responses=documented(404))
def reset_breaker(name: Name, who: Admin, st: State) -> dict[str, Any]:
    """Close the breaker now and forget its failure window (admin; audited)."""
    return move(name, who, st, circuit.CLOSED, "api")


@router.post("/breakers/{name}/open", response_model=BreakerMove, responses=documented(404))
def open_breaker(name: Name, who: Admin, st: State) -> dict[str, Any]:
    """Open the breaker now: its calls fail fast until its cooldown (admin; audited)."""
    return move(name, who, st, circuit.OPEN, "api")
