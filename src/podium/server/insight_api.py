"""Anomalies, scaling advice and remediations over HTTP (/api/v1); see podium.patterns."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from podium.patterns import insight
from podium.server import payloads
from podium.server.context import State
from podium.server.errors import documented
from podium.server.models import _Strict
from podium.server.security import Reader

router = APIRouter(prefix="/api/v1", responses=documented(400, 401, 403))


class AnomalyOut(_Strict):
    """A point of a telemetry series that was unusual for that series."""

    series: str
    at: dt.datetime
    value: float
    expected: float
    score: float
    message: str


class ForecastOut(_Strict):
    """Arrivals per second now and in the forecast's upper band."""

    arrivals_per_s: float
    upper_per_s: float
    horizon_s: float


class AdviceOut(_Strict):
    """How many workers a queue should have, and why."""

    queue: str
    desired_workers: int
    now_workers: int
    min_workers: int
    max_workers: int
    forecast: ForecastOut
    service_time_s: float | None
    depth: int
    reason: str


class RemediationOut(_Strict):
    """An audited decision of a remediation rule."""

    rule: str
    at: dt.datetime
    condition: str
    action: str
    dry_run: bool
    result: str | None
    """What the action did; null for a token without the payloads right (a custom `do=`
    function's return value may quote payload data; see podium.server.payloads)."""


@router.get("/remediations", response_model=list[RemediationOut], tags=["intelligence"])
def list_remediations(
    who: Reader, st: State, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    """The audited decisions of the remediation rules, newest first.

    `result` is null for a token without the payloads right (`payloads.shown`).
    """
    return payloads.shown(who, [dataclasses.asdict(d) for d in st.app.remediations(limit=limit)])


@router.get("/anomalies", response_model=list[AnomalyOut], tags=["intelligence"])
def list_anomalies(
    _who: Reader,
    st: State,
    since: Annotated[dt.datetime | None, Query(description="aware ISO time")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Stored anomalies, newest first."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return [dataclasses.asdict(a) for a in st.app.anomalies(since=since, limit=limit)]


@router.get("/scaling", response_model=dict[str, AdviceOut], tags=["intelligence"])
def scaling(_who: Reader, st: State) -> dict[str, Any]:
    """Scaling advice per queue: desired workers (Erlang-C on the forecast's upper band)."""
    advice: dict[str, insight.ScalingAdvice] = st.app.scaling()
    return {queue: dataclasses.asdict(a) for queue, a in advice.items()}
