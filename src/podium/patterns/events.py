"""Event-driven workflows: `app.publish`, `@app.workflow(on_event=...)`, `podium.wait_for_event`.

- `app.publish(topic, payload, key=, id=)` stores an event durably; the same `id` again is the
  same event (idempotent). Every workflow subscribed to a matching pattern (`order.created`,
  or a trailing wildcard `order.*`) starts in the same transaction, once per event: its id is
  `f"{workflow}:{event_id}"` and it is called with the payload as its one argument.
- Subscriptions live in the store, written by each App that defines on_event workflows when it
  opens its store, so an event published by any process (CLI, HTTP, another app) starts them.
- Outbox: inside a workflow, `app.publish` takes a history position and the event commits in
  the same transaction as that history row (default id `f"{workflow_id}/{position}"`); a replay
  returns the recorded id and publishes nothing. Inside a step, the default event id derives
  from the step's idempotency key (`f"{key}/publish/{n}"` for its n-th publish), so a step
  re-run after a crash or a retry publishes the same ids, which the store ignores. (A step
  that publishes and then fails for good has still published: publish last in such steps.)
- `podium.wait_for_event(topic, key=, timeout=, since=)` returns the payload of the first
  matching event published after the wait began (or at/after `since`), or None on timeout.
  The wait suspends the workflow (no thread held); a publish wakes exactly its waiters.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
import threading
import urllib.parse
import uuid
import weakref
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from podium import context, errors, serialization
from podium.store import base
from podium.store import events as es

if TYPE_CHECKING:
    from podium.app import App
    from podium.engine.executor import Execution
    from podium.engine.runtime import Runtime

T = TypeVar("T")
MAX_NAME = 200
PUBLISH, WAIT = "publish", "wait_for_event"
"""History kinds of a publish from a workflow body and of an event wait."""


class InvalidCloudEvent(errors.PodiumError, ValueError):
    """A CloudEvent that cannot be published (a missing attribute, an unreadable body)."""


# -- checking user input -------------------------------------------------------------------


def check_name(value: Any, what: str, *, wildcard: bool = False) -> str:
    """A topic (or, with `wildcard`, a pattern ending in `*`) as a checked string."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
        raise errors.ConfigurationError(
            f"{what}={value!r} must be a non-empty string of at most {MAX_NAME} characters"
        )
    stars = value.count(es.WILDCARD)
    if stars and not (wildcard and stars == 1 and value.endswith(es.WILDCARD)):
        where = "only as its last character (e.g. 'order.*')" if wildcard else "not at all"
        raise errors.ConfigurationError(f"{what}={value!r}: '*' may appear {where}")
    return value


def check_on_event(on_event: str | Sequence[str] | None) -> tuple[str, ...]:
    """`on_event=` as a tuple of checked patterns (empty when None)."""
    if on_event is None:
        return ()
    patterns = [on_event] if isinstance(on_event, str) else list(on_event)
    if not patterns:
        raise errors.ConfigurationError("on_event= needs at least one topic pattern")
    return tuple(check_name(p, "on_event", wildcard=True) for p in patterns)


def check_subscriber(fn: Callable[..., Any], name: str) -> None:
    """An on_event workflow is called with the payload alone: it must accept that call."""
    import inspect

    try:
        inspect.signature(fn).bind(None)
    except TypeError:
        raise errors.ConfigurationError(
            f"workflow {name!r} has on_event= but cannot be called with one argument (the "
            "event payload); give it exactly one required parameter"
        ) from None


def _optional_name(value: Any, what: str) -> str | None:
    return None if value is None else check_name(value, what)


Timeout = float | dt.timedelta | dt.datetime | None
"""A wait's timeout: seconds, a timedelta, or a timezone-aware datetime (as for sleep_until)."""


def check_timeout(value: Timeout) -> Timeout:
    """Validate a wait's `timeout=` now, so a mistake is raised at the call, not at a replay."""
    context.deadline(value, 0.0)
    return value


def _moment(value: dt.datetime | float | None) -> float | None:
    if value is None or isinstance(value, dt.datetime):
        return None if value is None else value.timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise errors.ConfigurationError(
            f"since={value!r} must be a datetime or a Unix timestamp (seconds)"
        )
    return float(value)


# -- subscriptions -------------------------------------------------------------------------


def subscriptions(workflows: Iterable[Any]) -> list[es.Subscription]:
    """The subscriptions that the given workflow definitions declare with on_event=."""
    return [
        es.Subscription(wf.name, pattern, wf.options.queue, wf.options.timeout)
        for wf in workflows
        for pattern in getattr(wf.options, "on_event", ())
    ]


def sync_subscriptions(rt: Runtime) -> None:
    """Store this app's on_event subscriptions (called when its store opens, and on changes)."""
    workflows = list(rt.registry.workflows.values())
    store = es.for_store(rt.store)
    store.sync_subscriptions(
        [wf.name for wf in workflows], subscriptions(workflows), rt.clock.time()
    )


# -- publishing ----------------------------------------------------------------------------


def publish(
    rt: Runtime,
    topic: str,
    payload: Any = None,
    *,
    key: str | None = None,
    id: str | None = None,
) -> str:
    """Store an event (see the module docstring for the outbox rules); return its id."""
    topic = check_name(topic, "topic")
    key = _optional_name(key, "key")
    event_id = _optional_name(id, "id")
    data = serialization.dumps(
        payload, what=f"payload of event {topic!r}", limit=rt.settings.max_payload_bytes
    )
    run = in_workflow(rt)
    if run is not None:

        def write(ident: str, checkpoint: es.Checkpoint) -> None:
            new = new_event(ident, topic, key, data, source=run.wf.id)
            publish_now(rt, new, checkpoint)

        return outboxed(run, PUBLISH, topic, event_id, write)
    step = context.current_step.get()
    event_id = event_id or step_scoped_id(PUBLISH) or uuid.uuid4().hex
    source = step.workflow_id if step is not None else None
    return publish_now(rt, new_event(event_id, topic, key, data, source)).event.id


def new_event(
    event_id: str, topic: str, key: str | None, data: str, source: str | None
) -> es.NewEvent:
    """The NewEvent of a serialized payload; subscribers are called with `(payload,)`."""
    call = f'{{"args":[{data}],"kwargs":{{}}}}'  # what serialization.dumps_call writes
    return es.NewEvent(event_id, topic, key, data, call, source)


def publish_now(
    rt: Runtime, new: es.NewEvent, checkpoint: es.Checkpoint | None = None
) -> es.Published:
    """Store `new` and tell this process's workers when it started or woke workflows."""
    published = es.for_store(rt.store).publish(new, rt.clock.time(), checkpoint)
    if published.created:
        rt.notifier.work_available()
    return published


# -- the outbox: publishing or sending from a workflow body or a step -----------------------


def in_workflow(rt: Runtime) -> Execution | None:
    """The workflow execution running in this context on `rt`, if any (not inside a step)."""
    run = context.current_run.get()
    if run is None or getattr(run, "rt", None) is not rt:
        return None
    return cast("Execution", run)


def outboxed(
    run: Execution,
    kind: str,
    name: str,
    given_id: str | None,
    write: Callable[[str, es.Checkpoint], None],
) -> str:
    """Take a history position for a publish/send; `write` commits it with that history row.

    Replays return the recorded id and write nothing. The default id is derived from the
    workflow id and position, so it is the same on every run.
    """
    seq, recorded = run.cursor.advance(kind, name)
    if recorded is not None:
        return str(serialization.loads(recorded.payload)["id"])
    run.check_continue()
    ident = given_id or f"{run.wf.id}/{seq}"
    now = run.rt.clock.time()
    row = base.HistoryEvent(
        run.wf.id, seq, kind, name, "completed", serialization.dumps({"id": ident}), 1, now, now
    )
    guarded(lambda: write(ident, es.Checkpoint(run.fence, row)))
    run.cursor.add(row)
    return ident


_step_counts: dict[int, dict[str, int]] = {}
_step_lock = threading.Lock()


def step_scoped_id(action: str) -> str | None:
    """Inside a step: `f"{idempotency_key}/{action}/{n}"` for its n-th `action`; else None.

    Counted per step attempt, so a retry or a re-run after a crash makes the same ids.
    """
    step = context.current_step.get()
    if step is None:
        return None
    with _step_lock:
        counts = _step_counts.get(id(step))
        if counts is None:
            counts = _step_counts[id(step)] = {}
            weakref.finalize(step, _step_counts.pop, id(step), None)
        n = counts.get(action, 0)
        counts[action] = n + 1
    return f"{step.idempotency_key}/{action}/{n}"


def guarded(call: Callable[[], T]) -> T:
    """Run a store call of a workflow run: a lost lease stops the run, a fault hands it back."""
    try:
        return call()
    except errors.LeaseLost:
        raise errors.Fenced() from None
    except errors.PodiumError:
        raise
    except Exception as exc:
        raise errors.StoreFault(exc) from exc


# -- waiting -------------------------------------------------------------------------------


class Ready:
    """What a wait returns in an `async def` workflow: an awaitable of a value known already."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        yield from ()
        return self.value


def workflow_run(helper: str) -> Execution:
    """The workflow execution of this context; a clear error anywhere else (steps included)."""
    run = context.current_run.get()
    if run is None or not hasattr(run, "cursor"):
        raise errors.PodiumError(
            f"podium.{helper}() was called outside a workflow body; call it in an "
            "@app.workflow function (not in a step)"
        )
    return cast("Execution", run)


Found = es.Event | es.Message
Register = Callable[[int, float | None, float], tuple[es.Wait, Found | None]]


def durable_wait(run: Execution, kind: str, name: str, timeout: Timeout, register: Register) -> Any:
    """Wait at the next history position until `register` finds something or the deadline.

    Replays return the recorded outcome. The deadline is fixed on the first visit (kept by
    the store with the wait). Not found yet: the workflow suspends until woken or due.
    """
    seq, recorded = run.cursor.advance(kind, name)
    if recorded is not None:
        return serialization.loads(recorded.payload).get("payload")
    run.check_continue()
    now = run.rt.clock.time()
    deadline = context.deadline(timeout, now)
    wait, found = guarded(lambda: register(seq, deadline, now))
    if found is None and (wait.deadline is None or now < wait.deadline):
        raise errors.Suspend(wait.deadline)
    if found is None:
        body = '{"timeout":true}'
    else:
        body = f'{{"id":{json.dumps(found.id)},"seq":{found.seq},"payload":{found.payload}}}'
    run.append(base.HistoryEvent(run.wf.id, seq, kind, name, "completed", body, 1, now, now))
    _end_wait(run, seq)
    return None if found is None else serialization.loads(found.payload)


def _end_wait(run: Execution, seq: int) -> None:
    """Drop the wait row; a leftover row only causes a harmless extra wake-up."""
    try:
        es.for_store(run.rt.store).end_wait(run.wf.id, seq)
    except Exception as exc:
        run.rt.log.warning("workflow %s: could not drop its wait at %d: %s", run.wf.id, seq, exc)


def wait_for_event(
    topic: str,
    key: str | None = None,
    timeout: Timeout = None,
    *,
    since: dt.datetime | float | None = None,
) -> Any:
    """Return the payload of the first `topic` event (with `key`, if given); None on timeout.

    Counts events published after the wait began, or, with `since` (a datetime or Unix
    time), those published at or after that moment too. The workflow is unloaded while it
    waits. In an `async def` workflow write `await podium.wait_for_event(...)`.
    """
    run = workflow_run("wait_for_event")
    topic = check_name(topic, "topic")
    key = _optional_name(key, "key")
    limit = check_timeout(timeout)
    start = _moment(since)
    store = es.for_store(run.rt.store)

    def register(seq: int, deadline: float | None, now: float) -> tuple[es.Wait, Found | None]:
        wait = es.Wait(run.wf.id, seq, "event", topic, key, 0, deadline)
        return store.wait_for_event(wait, start, now)

    value = durable_wait(run, WAIT, topic, limit, register)
    return Ready(value) if run.is_async else value


# -- CloudEvents (the HTTP server's entry point) --------------------------------------------

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
        topic = check_name(event["type"], "type")
        data = serialization.dumps(
            _ce_data(event),
            what=f"data of CloudEvent {event['id']!r}",
            limit=rt.settings.max_payload_bytes,
        )
        new = new_event(
            check_name(f"{event['source']}:{event['id']}", "source:id"),
            topic,
            _optional_name(None if key is None else str(key), "key"),
            data,
            str(event["source"]),
        )
    except (errors.ConfigurationError, errors.SerializationError) as exc:
        raise InvalidCloudEvent(str(exc)) from None
    return publish_now(rt, new)


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
        except ValueError:
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
