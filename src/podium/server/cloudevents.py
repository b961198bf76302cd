"""CloudEvents over HTTP: the server's entry point for events from other systems.

A CloudEvent (v1.0) arrives structured (`application/cloudevents+json`) or binary (`ce-*`
headers, the body is the data); it is published as a podium event whose topic is its `type`
(see podium.patterns.events for what publishing does).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

from podium import errors, serialization
from podium.app import App
from podium.patterns import events
from podium.store import events as es


class InvalidCloudEvent(errors.PodiumError, ValueError):
    """A CloudEvent that cannot be published (a missing attribute, an unreadable body)."""


CE_REQUIRED = ("specversion", "id", "source", "type")
STRUCTURED = "application/cloudevents+json"


def publish_cloudevent(app: App, event: Mapping[str, Any]) -> es.Published:
    """Publish a CloudEvent (v1.0, structured JSON as a dict): `type` is the topic.

    The event id is `f"{source}:{id}"` (CloudEvents ids are unique per source), the key is
    the `partitionkey` extension or else `subject`, the payload is `data` (or `data_base64`
    decoded: JSON when `datacontenttype` is JSON, else text, else left as base64).
    Raises InvalidCloudEvent when a required attribute is missing.
    """
    if not isinstance(event, Mapping):
        raise InvalidCloudEvent(f"a CloudEvent must be a JSON object, not {type(event).__name__}")
    missing = [a for a in CE_REQUIRED if not isinstance(event.get(a), str) or not event.get(a)]
    if missing:
        raise InvalidCloudEvent(f"the CloudEvent lacks the attribute(s) {', '.join(missing)}")
    if not str(event["specversion"]).startswith("1."):
        raise InvalidCloudEvent(f"specversion {event['specversion']!r} is not 1.x")
    rt = app.runtime
    key = event.get("partitionkey") or event.get("subject")
    try:
        topic = events.check_name(event["type"], "type")
        data = serialization.dumps(
            _ce_data(event),
            what=f"data of CloudEvent {event['id']!r}",
            limit=rt.settings.max_payload_bytes,
            checked=True,
        )
        new = events.new_event(
            events.check_name(f"{event['source']}:{event['id']}", "source:id"),
            topic,
            events.optional_name(None if key is None else str(key), "key"),
            data,
            str(event["source"]),
        )
    except (errors.ConfigurationError, errors.SerializationError) as exc:
        raise InvalidCloudEvent(str(exc)) from None
    return events.publish_now(rt, new)


def _ce_data(event: Mapping[str, Any]) -> Any:
    if "data" in event:
        return event["data"]
    encoded = event.get("data_base64")
    if encoded is None:
        return None
    try:
        raw = base64.b64decode(str(encoded), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidCloudEvent("data_base64 is not valid base64") from None
    return _decode_body(raw, str(event.get("datacontenttype") or ""), encoded=str(encoded))


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media in ("", "application/json", "text/json") or media.endswith("+json")


def _decode_body(raw: bytes, content_type: str, *, encoded: str | None = None) -> Any:
    """A body as a payload: parsed JSON, else text, else base64 text."""
    if _is_json(content_type):
        try:
            return json.loads(raw) if raw else None
        except (ValueError, RecursionError):
            raise InvalidCloudEvent(
                f"the data is not valid JSON ({content_type or 'no type'})"
            ) from None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return encoded if encoded is not None else base64.b64encode(raw).decode()


def cloudevent_from_http(headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The CloudEvent of an HTTP request, structured (`application/cloudevents+json`) or binary.

    Binary mode: attributes come from `ce-*` headers, `datacontenttype` from Content-Type,
    and the body is the data. Batches are not accepted.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = lowered.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media == "application/cloudevents-batch+json":
        raise InvalidCloudEvent("CloudEvents batches are not accepted; send one event per request")
    if media == STRUCTURED:
        try:
            event = json.loads(body)
        except RecursionError:
            raise InvalidCloudEvent("the structured CloudEvent is nested too deeply") from None
        except ValueError:
            raise InvalidCloudEvent("the structured CloudEvent is not valid JSON") from None
        if not isinstance(event, dict):
            raise InvalidCloudEvent("a structured CloudEvent must be a JSON object")
        return event
    event = {k[3:]: urllib.parse.unquote(v) for k, v in lowered.items() if k.startswith("ce-")}
    if content_type:
        event["datacontenttype"] = content_type
    event["data"] = _decode_body(body, content_type)
    return event


def describe(published: es.Published) -> dict[str, Any]:
    """A JSON summary of a publish (what the HTTP API answers)."""
    event = dataclasses.asdict(published.event)
    event["payload"] = serialization.loads(published.event.payload)
    return {"event": event, "created": published.created, "started": list(published.started)}
