"""Circuit breakers over HTTP: each declared breaker's state, settings and transitions."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from podium.patterns import circuit
from podium.server.context import ServerState, state
from podium.server.errors import documented
from podium.server.security import Principal, require

Reader = Annotated[Principal, Depends(require("read"))]
State = Annotated[ServerState, Depends(state)]

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
    name: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    since: Annotated[float, Query(ge=0, le=1e12, allow_inf_nan=False)] = 0.0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Recorded state changes (time, from, to, reason, failure rate), oldest first."""
    events = circuit.transitions(st.app.store, name, since, limit)
    return [dataclasses.asdict(event) for event in events]
