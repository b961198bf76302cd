"""Schedules over HTTP (/api/v1/schedules): list them, pause, resume or trigger one now.

The listing reads the store (every app's schedules); the verbs are admin-only and audited
like the queue and workflow verbs. Triggering runs the schedule's workflow once now, so it
needs the served app to declare that workflow (400 otherwise, naming the fix).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from podium import errors
from podium.patterns import cronwords, schedule
from podium.server.context import ServerState, State, name_in_path
from podium.server.errors import ApiError, documented
from podium.server.models import _Strict
from podium.server.security import Admin, Principal, Reader

Name = Annotated[str, name_in_path("The schedule name")]

router = APIRouter(prefix="/api/v1", tags=["operations"], responses=documented(400, 401, 403))


class ScheduleState(_Strict):
    """A stored schedule: its cron in words, next and last tick (epoch seconds)."""

    name: str
    workflow: str
    cron: str
    described: str
    timezone: str
    catchup: str
    paused: bool
    next_run: float | None
    upcoming: list[float]
    """The next three ticks (empty while paused)."""
    last_run: float | None


class Triggered(_Strict):
    """The run a trigger started."""

    schedule: str
    id: str


def view(info: schedule.ScheduleInfo) -> dict[str, Any]:
    """The JSON of one schedule."""
    return {
        "name": info.name,
        "workflow": info.workflow,
        "cron": info.cron,
        "described": cronwords.describe(info.cron, info.timezone),
        "timezone": info.timezone,
        "catchup": info.catchup,
        "paused": info.paused,
        "next_run": None if info.paused else info.next_run.timestamp(),
        "upcoming": [t.timestamp() for t in schedule.upcoming(info)],
        "last_run": None if info.last_run is None else info.last_run.timestamp(),
    }


def find(st: ServerState, name: str) -> schedule.ScheduleInfo:
    """Stored schedule `name`, or a 404 listing the known ones."""
    infos = {info.name: info for info in st.app.schedules()}
    if name not in infos:
        known = ", ".join(sorted(infos)) or "none"
        raise ApiError(404, f"no schedule named {name!r} (known: {known})", "unknown_schedule")
    return infos[name]


@router.get("/schedules", response_model=list[ScheduleState])
def list_schedules(_who: Reader, st: State) -> list[dict[str, Any]]:
    """Every schedule in the store (any app's), with its cron in words."""
    return [view(info) for info in st.app.schedules()]


def pausing(name: str, who: Principal, st: ServerState, pause: bool) -> dict[str, Any]:
    """Pause or resume schedule `name`, audited."""
    find(st, name)
    if pause:
        st.app.pause_schedule(name)
    else:
        st.app.resume_schedule(name)
    action = "schedule.pause" if pause else "schedule.resume"
    st.tokens.audit(who.actor, action, name, None, st.now())
    return view(find(st, name))


def trigger(name: str, who: Principal, st: ServerState) -> dict[str, Any]:
    """Run schedule `name` once now, audited; 400 when the served app lacks its workflow."""
    find(st, name)
    try:
        handle = st.app.trigger_schedule(name)
    except errors.PodiumError as exc:
        raise ApiError(400, str(exc)) from None
    st.tokens.audit(who.actor, "schedule.trigger", name, {"id": handle.id}, st.now())
    return {"schedule": name, "id": handle.id}


@router.post("/schedules/{name}/pause", response_model=ScheduleState, responses=documented(404))
def pause_schedule(name: Name, who: Admin, st: State) -> dict[str, Any]:
    """Stop firing this schedule on every worker (admin; audited)."""
    return pausing(name, who, st, True)


@router.post("/schedules/{name}/resume", response_model=ScheduleState, responses=documented(404))
def resume_schedule(name: Name, who: Admin, st: State) -> dict[str, Any]:
    """Fire it again from its next tick; missed ticks are skipped (admin; audited)."""
    return pausing(name, who, st, False)


@router.post("/schedules/{name}/trigger", response_model=Triggered, responses=documented(404))
def trigger_schedule(name: Name, who: Admin, st: State) -> dict[str, Any]:
    """Run the schedule's workflow once now, beside its ticks (admin; audited)."""
    return trigger(name, who, st)
