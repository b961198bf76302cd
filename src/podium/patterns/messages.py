"""Messages to one workflow: `handle.send(topic, payload)` and, inside it, `podium.receive(topic)`.

Each workflow has an inbox, ordered per topic (sequence 1, 2, ... per (workflow, topic)).
`receive` takes a history position and records the id and sequence number of the message it
consumes there, in the same way as a step result: a replay returns the same message, and the
next `receive` of that topic continues after the highest one recorded, so every message is
delivered into the history exactly once and in order. A send wakes the workflow only when it
waits on that topic. `send(..., id=)` is idempotent per workflow; from a workflow body it is
an outbox write (committed with a history row), from a step its default id derives from the
step's idempotency key, exactly as for `app.publish` (see podium.patterns.events).
"""

from __future__ import annotations

import uuid
from typing import Any

from podium import context, serialization
from podium.engine.runtime import Runtime
from podium.patterns import events
from podium.store import events as es

SEND, RECEIVE = "send", "receive"
"""History kinds of a send from a workflow body and of a receive."""


def send(
    rt: Runtime, workflow_id: str, topic: str, payload: Any = None, *, id: str | None = None
) -> str:
    """Put a message into `workflow_id`'s inbox and wake it; return the message id.

    Raises WorkflowNotFound when no such workflow exists.
    """
    topic = events.check_name(topic, "topic")
    message_id = None if id is None else events.check_name(id, "id")
    data = serialization.dumps(
        payload, what=f"message {topic!r}", limit=rt.settings.max_payload_bytes, checked=True
    )
    store = es.for_store(rt.store)
    run = events.in_workflow(rt)
    if run is not None:

        def write(ident: str, checkpoint: es.Checkpoint) -> None:
            store.send(workflow_id, topic, ident, data, rt.clock.time(), checkpoint)
            rt.notifier.work_available()

        return events.outboxed(run, SEND, topic, message_id, write)
    message_id = message_id or events.step_scoped_id(SEND) or uuid.uuid4().hex
    message, created = store.send(workflow_id, topic, message_id, data, rt.clock.time())
    if created:
        rt.notifier.work_available()
    return message.id


def receive(topic: str, timeout: events.Timeout = None) -> Any:
    """Return the payload of the next message on `topic` sent to this workflow; None on timeout.

    The workflow is unloaded while it waits. In an `async def` workflow write
    `await podium.receive(...)`.
    """
    run = context.current("receive")
    topic = events.check_name(topic, "topic")
    limit = events.check_timeout(timeout)
    store = es.for_store(run.runtime.store)
    workflow_id = run.workflow.id

    def register(
        seq: int, deadline: float | None, now: float
    ) -> tuple[es.Wait, es.Event | es.Message | None]:
        after = consumed(run, topic, seq)
        wait = es.Wait(workflow_id, seq, "message", topic, None, after, deadline)
        return store.wait_for_message(wait, now)

    return context.ready(run, events.durable_wait(run, RECEIVE, topic, limit, register))


def consumed(run: context.Run, topic: str, before: int) -> int:
    """The highest message sequence number of `topic` received before position `before`."""
    received = [e for e in run.recorded(RECEIVE, topic) if e.seq < before]
    return max((int(serialization.loads(e.payload).get("seq", 0)) for e in received), default=0)
