"""State machines over HTTP: definitions with their diagrams, instances, history, events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from podium import errors
from podium.patterns import statemachine
from podium.server import payloads
from podium.server.context import ServerState, State, name_in_path
from podium.server.errors import ApiError, documented
from podium.server.models import NO_NUL, Text, _Strict
from podium.server.security import Reader, Writer

Name = Annotated[str, name_in_path("The machine's name")]
Instance = Annotated[str, name_in_path("The instance id")]

router = APIRouter(
    prefix="/api/v1/machines", tags=["state machines"], responses=documented(400, 401, 403, 404)
)


class EventRequest(_Strict):
    """An event for one instance; refused with 409 when no transition accepts it."""

    event: Text
    payload: Any = None


def machines(st: ServerState) -> dict[str, statemachine.StateMachine]:
    """The state machines registered in the served app, by name."""
    return {
        definition.machine.name: definition.machine
        for definition in st.app.registry.workflows.values()
        if isinstance(definition, statemachine.MachineWorkflow)
    }


def _machine(st: ServerState, name: str) -> statemachine.StateMachine:
    machine = machines(st).get(name)
    if machine is None:
        raise ApiError(404, f"no state machine named {name!r} is registered", "unknown_machine")
    return machine


def _describe(machine: statemachine.StateMachine) -> dict[str, Any]:
    definition = machine.definition
    return {
        "name": machine.name,
        "initial": definition.initial,
        "states": sorted(definition.states),
        "final": sorted(definition.final),
        "mermaid": machine.to_mermaid(),
    }


@router.get("")
def list_machines(_who: Reader, st: State) -> list[dict[str, Any]]:
    """Every registered state machine with its states and a Mermaid diagram."""
    return [_describe(m) for _, m in sorted(machines(st).items())]


@router.get("/{name}/instances")
def list_instances(
    name: Name,
    who: Reader,
    st: State,
    in_state: Annotated[str | None, Query(alias="state", max_length=200, pattern=NO_NUL)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[dict[str, Any]]:
    """Instances of a machine, optionally only those in one state."""
    found = _machine(st, name).instances(in_state, limit, offset)
    listed = [
        {"id": i.id, "state": i.state, "version": i.version, "updated_at": i.updated_at}
        for i in found
    ]
    return payloads.shown(who, listed)


@router.get("/{name}/instances/{instance}")
def get_instance(name: Name, instance: Instance, who: Reader, st: State) -> dict[str, Any]:
    """One instance: its state, data, transition history and the diagram highlighting it.

    A token without the payloads right sees no data and no event payloads (null).
    """
    machine = _machine(st, name)
    try:
        current = machine.get(instance)
        history = machine.history(instance)
    except (errors.WorkflowNotFound, errors.ConfigurationError) as exc:
        raise ApiError(404, str(exc), "unknown_instance") from None
    body = {
        "id": current.id,
        "state": current.state,
        "data": current.data,
        "version": current.version,
        "history": [t.as_dict() for t in history],
        "mermaid": machine.to_mermaid(highlight=current.state),
    }
    return payloads.shown(who, body)


@router.post("/{name}/instances/{instance}/events", responses=documented(409))
def send_event(
    name: Name, instance: Instance, body: EventRequest, who: Writer, st: State
) -> dict[str, Any]:
    """Apply an event to an instance: the transition it made, or 409 when none accepts it.

    Audited (write). A token without the payloads right sees no payload or data (null).
    """
    machine = _machine(st, name)
    try:
        moved = machine.send(instance, body.event, body.payload).as_dict()
        detail = {"machine": name, "event": body.event}
        st.tokens.audit(who.actor, "machine.event", instance, detail, st.now())
        return payloads.shown(who, moved)
    except errors.InvalidTransition as exc:
        raise ApiError(409, str(exc), "invalid_transition") from None
    except errors.WorkflowNotFound as exc:
        raise ApiError(404, str(exc), "unknown_instance") from None
    except (errors.ConfigurationError, errors.SerializationError) as exc:
        raise ApiError(400, str(exc)) from None
