"""Events and messages over HTTP: CloudEvents at POST /events, plain publish and send in /api/v1.

The semantics (idempotent ids, on_event triggers, waking waiters) are podium.patterns.events'
and podium.patterns.messages'; this module only maps HTTP onto them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import Field

from podium import errors
from podium.server import cloudevents, payloads
from podium.server.context import State, WorkflowId
from podium.server.errors import ApiError, documented
from podium.server.models import Text, _Strict
from podium.server.security import Writer

router = APIRouter(responses=documented(400, 401, 403, 413))


class PublishRequest(_Strict):
    """An event: `topic` starts the on_event workflows and wakes waiters; `id` dedupes."""

    topic: Text
    payload: Any = None
    key: Text | None = None
    id: Text | None = None


class MessageRequest(_Strict):
    """A message to one workflow (`podium.receive(topic)` gets it); `id` dedupes."""

    topic: Text
    payload: Any = None
    id: Text | None = None


class Accepted(_Strict):
    """The id of the stored event or message."""

    id: str = Field(description="the event or message id")


@router.post(
    "/events",
    status_code=202,
    tags=["events"],
    summary="Publish a CloudEvent (structured or binary JSON mode)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/cloudevents+json": {"schema": {"type": "object"}},
                "application/json": {"schema": {}},
            },
        }
    },
)
async def post_cloudevent(request: Request, who: Writer, st: State) -> dict[str, Any]:
    """Publish one CloudEvent 1.0: its `type` is the topic, `source:id` the event id.

    The answer holds the stored event (the first one, when its id was published before); a
    token without the payloads right sees its payload as null.
    """
    body = await request.body()
    try:
        event = cloudevents.cloudevent_from_http(request.headers, body)
        published = cloudevents.publish_cloudevent(st.app, event)
    except cloudevents.InvalidCloudEvent as exc:
        raise ApiError(400, str(exc), "invalid_cloudevent") from None
    described = cloudevents.describe(published)
    detail = {"topic": event.get("type"), "via": "cloudevents"}
    st.tokens.audit(who.actor, "event.publish", str(described.get("id")), detail, st.now())
    return payloads.shown(who, described)  # a repeated id answers the stored event


@router.post("/api/v1/events", response_model=Accepted, status_code=201, tags=["events"])
def publish(body: PublishRequest, who: Writer, st: State) -> dict[str, Any]:
    """Publish an event by topic (write; audited)."""
    try:
        event_id = st.app.publish(body.topic, body.payload, key=body.key, id=body.id)
    except (errors.ConfigurationError, errors.SerializationError) as exc:
        raise ApiError(400, str(exc)) from None
    detail = {"topic": body.topic, "key": body.key}
    st.tokens.audit(who.actor, "event.publish", event_id, detail, st.now())
    return {"id": event_id}


@router.post(
    "/api/v1/workflows/{workflow_id}/messages",
    response_model=Accepted,
    status_code=201,
    tags=["workflows"],
    responses=documented(404),
)
def send(
    workflow_id: WorkflowId, body: MessageRequest, who: Writer, st: State, response: Response
) -> dict[str, Any]:
    """Send a message to a workflow (write; audited)."""
    try:
        handle = st.app.get(workflow_id)
        message_id = handle.send(body.topic, body.payload, id=body.id)
    except errors.WorkflowNotFound as exc:
        raise ApiError(404, str(exc), "unknown_workflow") from None
    except (errors.ConfigurationError, errors.SerializationError) as exc:
        raise ApiError(400, str(exc)) from None
    del response
    detail = {"topic": body.topic, "message_id": message_id}
    st.tokens.audit(who.actor, "workflow.message", workflow_id, detail, st.now())
    return {"id": message_id}
