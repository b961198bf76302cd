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

import datetime as dt
import inspect
import json
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from podium import context, definitions, errors, serialization
from podium.engine.runtime import Runtime
from podium.store import base
from podium.store import events as es

MAX_NAME = 200
PUBLISH, WAIT = "publish", "wait_for_event"
"""History kinds of a publish from a workflow body and of an event wait."""


# -- checking user input -------------------------------------------------------------------


def check_name(value: Any, what: str, *, wildcard: bool = False) -> str:
    """A topic (or, with `wildcard`, a pattern ending in `*`) as a checked string."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
        raise errors.ConfigurationError(
            f"{what}={value!r} must be a non-empty string of at most {MAX_NAME} characters"
        )
    problem = serialization.text_problem(value)
    if problem is not None:
        raise errors.ConfigurationError(f"{what}={value!r} {problem}")
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
    try:
        inspect.signature(fn).bind(None)
    except TypeError:
        raise errors.ConfigurationError(
            f"workflow {name!r} has on_event= but cannot be called with one argument (the "
            "event payload); give it exactly one required parameter"
        ) from None


def optional_name(value: Any, what: str) -> str | None:
    """`check_name` of a value that may be None (an optional key or id)."""
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


def subscriptions(workflows: Iterable[definitions.Workflow]) -> list[es.Subscription]:
    """The subscriptions that the given workflow definitions declare with on_event=."""
    return [
        es.Subscription(wf.name, pattern, wf.options.queue, wf.options.timeout)
        for wf in workflows
        for pattern in wf.options.on_event
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
    key = optional_name(key, "key")
    event_id = optional_name(id, "id")
    data = serialization.dumps(
        payload,
        what=f"payload of event {topic!r}",
        limit=rt.settings.max_payload_bytes,
        checked=True,
    )
    run = in_workflow(rt)
    if run is not None:
        source = run.workflow.id

        def write(ident: str, checkpoint: es.Checkpoint) -> None:
            publish_now(rt, new_event(ident, topic, key, data, source), checkpoint)

        return outboxed(run, PUBLISH, topic, event_id, write)
    step = context.current_step.get()
    event_id = event_id or step_scoped_id(PUBLISH) or uuid.uuid4().hex
    origin = step.workflow_id if step is not None else None
    return publish_now(rt, new_event(event_id, topic, key, data, origin)).event.id


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


def in_workflow(rt: Runtime) -> context.Run | None:
    """The workflow run in this context on `rt`, if any (not inside a step, not another app's)."""
    run = context.current_run.get()
    if run is None or run.runtime is not rt:
        return None
    return run


def outboxed(
    run: context.Run,
    kind: str,
    name: str,
    given_id: str | None,
    write: Callable[[str, es.Checkpoint], None],
) -> str:
    """Take a history position for a publish/send; `write` commits it with that history row.

    Replays return the recorded id and write nothing. The default id is derived from the
    workflow id and position, so it is the same on every run.
    """
    position = run.take(kind, name)
    if position.recorded is not None:
        return str(serialization.loads(position.recorded.payload)["id"])
    ident = given_id or f"{run.workflow.id}/{position.seq}"

    def commit(fence: base.Fence, row: base.HistoryEvent) -> None:
        write(ident, es.Checkpoint(fence, row))

    run.commit(position, serialization.dumps({"id": ident}), via=commit)
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


# -- waiting -------------------------------------------------------------------------------

Found = es.Event | es.Message
Register = Callable[[int, float | None, float], tuple[es.Wait, Found | None]]


def durable_wait(
    run: context.Run, kind: str, name: str, timeout: Timeout, register: Register
) -> Any:
    """Wait at the next history position until `register` finds something or the deadline.

    Replays return the recorded outcome. The deadline is fixed on the first visit (kept by
    the store with the wait). Not found yet: the workflow suspends until woken or due.
    """
    position = run.take(kind, name)
    if position.recorded is not None:
        return serialization.loads(position.recorded.payload).get("payload")
    now = run.time()
    deadline = context.deadline(timeout, now)
    wait, found = run.guarded(lambda: register(position.seq, deadline, now))
    if found is None and (wait.deadline is None or now < wait.deadline):
        raise errors.Suspend(wait.deadline)
    if found is None:
        body = '{"timeout":true}'
    else:
        body = f'{{"id":{json.dumps(found.id)},"seq":{found.seq},"payload":{found.payload}}}'
    run.commit(position, body, started=now)
    _end_wait(run, position.seq)
    return None if found is None else serialization.loads(found.payload)


def _end_wait(run: context.Run, seq: int) -> None:
    """Drop the wait row; a leftover row only causes a harmless extra wake-up."""
    rt, workflow_id = run.runtime, run.workflow.id
    try:
        es.for_store(rt.store).end_wait(workflow_id, seq)
    except Exception as exc:
        rt.log.warning("workflow %s: could not drop its wait at %d: %s", workflow_id, seq, exc)


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
    run = context.current("wait_for_event")
    topic = check_name(topic, "topic")
    key = optional_name(key, "key")
    limit = check_timeout(timeout)
    start = _moment(since)
    store = es.for_store(run.runtime.store)
    workflow_id = run.workflow.id

    def register(seq: int, deadline: float | None, now: float) -> tuple[es.Wait, Found | None]:
        wait = es.Wait(workflow_id, seq, "event", topic, key, 0, deadline)
        return store.wait_for_event(wait, start, now)

    return context.ready(run, durable_wait(run, WAIT, topic, limit, register))
