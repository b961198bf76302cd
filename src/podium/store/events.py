"""Durable state of events and messages, written once against `Store.connector`.

Tables (migration 0003): `podium_events` (append-only, `seq` orders them), `podium_subscriptions`
(which workflow each topic pattern starts), `podium_waits` (open `wait_for_event`/`receive`
waits: what wakes them, and their deadline) and `podium_messages` (each workflow's inbox, in
order per topic).

Atomicity: `publish` inserts the event, starts the subscribed workflows (ids derived from the
event id, insert-or-ignore) and wakes the matching waiters in ONE transaction; `send` inserts
the message and wakes its receiver in one transaction. With a `Checkpoint` the publishing or
sending workflow's history row commits in that same transaction, fenced (the outbox). On
PostgreSQL the transactions of one topic (or one inbox) serialize on an advisory lock, so their
sequence numbers commit in order and a wait registered concurrently never misses an event.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from podium import errors
from podium.store import base, queries, workflows

WILDCARD = "*"


@dataclasses.dataclass(frozen=True)
class Event:
    """A stored event; `payload` is its JSON text, `seq` its place in the global order."""

    seq: int
    id: str
    topic: str
    key: str | None
    payload: str | None
    source: str | None
    created_at: float


@dataclasses.dataclass(frozen=True)
class NewEvent:
    """What `publish` stores: the event, and the input of the workflows it starts."""

    id: str
    topic: str
    key: str | None
    payload: str
    input: str
    """The serialized call `(payload,)` every subscribed workflow starts with."""
    source: str | None = None


@dataclasses.dataclass(frozen=True)
class Subscription:
    """Workflow `workflow` starts (on `queue`, with `timeout`) for each event matching `pattern`."""

    workflow: str
    pattern: str
    queue: str = "default"
    timeout: float | None = None


@dataclasses.dataclass(frozen=True)
class Published:
    """The outcome of `publish`: the stored event, whether it is new, the workflows it started."""

    event: Event
    created: bool
    started: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """The history row of the workflow that publishes or sends, committed with it (outbox)."""

    fence: base.Fence
    event: base.HistoryEvent


@dataclasses.dataclass(frozen=True)
class Wait:
    """An open wait at a history position; its deadline and starting point never change."""

    workflow_id: str
    seq: int
    kind: str
    """"event" (wait_for_event) or "message" (receive)."""
    topic: str
    key: str | None
    after_seq: int
    deadline: float | None


@dataclasses.dataclass(frozen=True)
class Message:
    """A message in a workflow's inbox; `seq` counts 1, 2, ... per (workflow, topic)."""

    workflow_id: str
    topic: str
    seq: int
    id: str
    payload: str | None
    created_at: float


def matches(pattern: str, topic: str) -> bool:
    """True when `topic` matches `pattern`: equal, or a prefix ending in `*` (`order.*`)."""
    if pattern.endswith(WILDCARD):
        return topic.startswith(pattern[:-1])
    return pattern == topic


def workflow_id(workflow: str, event_id: str) -> str:
    """The id of the workflow `workflow` started by event `event_id` (one per event)."""
    return f"{workflow}:{event_id}"


class EventStore(queries.Feature, sql="events"):
    """The events and messages verbs over one store's connector."""

    # -- subscriptions ---------------------------------------------------------------------

    def subscriptions(self) -> list[Subscription]:
        """Every stored subscription, by workflow then pattern."""
        return [Subscription(**row) for row in self._c.query(self._q["subscriptions"], {})]

    def sync_subscriptions(
        self, known: Iterable[str], wanted: Sequence[Subscription], now: float
    ) -> bool:
        """Make the stored subscriptions of the workflows `known` equal `wanted`.

        Rows of workflows this caller does not know are left alone (another app may own
        them). Writes only when something differs; returns whether it wrote.
        """
        names = set(known)
        stored = {(s.workflow, s.pattern): s for s in self.subscriptions() if s.workflow in names}
        desired = {(s.workflow, s.pattern): s for s in wanted}
        stale = [pair for pair in stored if pair not in desired]
        changed = [s for pair, s in desired.items() if stored.get(pair) != s]
        if not stale and not changed:
            return False
        with self._c.transaction() as run:
            for workflow, pattern in stale:
                run(self._q["delete_subscription"], {"workflow": workflow, "pattern": pattern})
            for sub in changed:
                run(self._q["upsert_subscription"], {**dataclasses.asdict(sub), "now": now})
        return True

    # -- events ----------------------------------------------------------------------------

    def publish(self, new: NewEvent, now: float, checkpoint: Checkpoint | None = None) -> Published:
        """Store `new` unless its id exists; start its subscribers and wake its waiters.

        One transaction (see the module docstring). A duplicate id changes nothing and
        returns the stored event with `created=False`. With `checkpoint`, raises LeaseLost
        (and stores nothing) when its fence no longer holds.
        """
        with self._c.transaction() as run:
            run(self._q["lock"], {"key": f"podium-topic:{new.topic}"})
            if checkpoint is not None:
                self._append(run, checkpoint)
            params = {
                "id": new.id,
                "topic": new.topic,
                "key": new.key,
                "payload": new.payload,
                "source": new.source,
                "now": now,
            }
            inserted = run(self._q["insert_event"], params).rows
            if not inserted:
                return Published(self._event(run(self._q["get_event"], {"id": new.id}).rows), False)
            seq = int(inserted[0]["seq"])
            started = self._start_subscribers(run, new, now)
            waking = {"topic": new.topic, "key": new.key, "seq": seq, "now": now}
            run(self._q["wake_event_waiters"], waking)
        event = Event(seq, new.id, new.topic, new.key, new.payload, new.source, now)
        return Published(event, True, started)

    def _start_subscribers(self, run: base.Execute, new: NewEvent, now: float) -> tuple[str, ...]:
        subs = [Subscription(**row) for row in run(self._q["subscriptions"], {}).rows]
        started: list[str] = []
        for sub in subs:
            if not matches(sub.pattern, new.topic):
                continue
            wf_id = workflow_id(sub.workflow, new.id)
            params = {
                "id": wf_id,
                "workflow": sub.workflow,
                "queue": sub.queue,
                "input": new.input,
                "now": now,
                "deadline": None if sub.timeout is None else now + sub.timeout,
            }
            if run(self._q["create_triggered"], params).rows:
                started.append(wf_id)
        return tuple(started)

    def _append(self, run: base.Execute, checkpoint: Checkpoint) -> None:
        workflows.append_fenced(run, self._c.dialect, checkpoint.fence, checkpoint.event)

    def get_event(self, event_id: str) -> Event | None:
        """The event with id `event_id`, or None."""
        rows = self._c.query(self._q["get_event"], {"id": event_id})
        return self._event(rows) if rows else None

    def list_events(
        self, topic: str | None = None, after: int = 0, limit: int = 100
    ) -> list[Event]:
        """Events after sequence number `after` (of `topic`, if given), oldest first."""
        params = {"topic": topic, "after": after, "limit": limit}
        return [Event(**row) for row in self._c.query(self._q["list_events"], params)]

    @staticmethod
    def _event(rows: list[dict[str, Any]]) -> Event:
        if not rows:
            raise errors.PodiumError("an event was neither inserted nor found")
        return Event(**rows[0])

    # -- waits -----------------------------------------------------------------------------

    def wait_for_event(
        self, wait: Wait, since: float | None, now: float
    ) -> tuple[Wait, Event | None]:
        """Register `wait` at its position unless it is (keep the first), and look for its event.

        A new wait starts after the newest event of its topic (or the newest published before
        `since`); the stored wait is returned with the first matching event after it, if any.
        """
        with self._c.transaction() as run:
            run(self._q["lock"], {"key": f"podium-topic:{wait.topic}"})
            stored = self._wait(run, wait)
            if stored is None:
                floor = run(self._q["event_floor"], {"topic": wait.topic, "since": since}).rows
                stored = dataclasses.replace(wait, after_seq=int(floor[0]["floor"]))
                run(self._q["insert_wait"], {**dataclasses.asdict(stored), "now": now})
            params = {"topic": stored.topic, "key": stored.key, "after": stored.after_seq}
            found = run(self._q["next_event"], params).rows
        return stored, Event(**found[0]) if found else None

    def wait_for_message(self, wait: Wait, now: float) -> tuple[Wait, Message | None]:
        """Register `wait` (kind "message") unless it is, and return the next message after it."""
        with self._c.transaction() as run:
            run(self._q["lock"], {"key": _inbox(wait.workflow_id, wait.topic)})
            stored = self._wait(run, wait)
            if stored is None:
                stored = wait
                run(self._q["insert_wait"], {**dataclasses.asdict(wait), "now": now})
            params = {"workflow_id": wait.workflow_id, "topic": wait.topic, "after": wait.after_seq}
            found = run(self._q["next_message"], params).rows
        return stored, Message(**found[0]) if found else None

    def _wait(self, run: base.Execute, wait: Wait) -> Wait | None:
        rows = run(self._q["get_wait"], {"workflow_id": wait.workflow_id, "seq": wait.seq}).rows
        return Wait(**rows[0]) if rows else None

    def end_wait(self, workflow_id: str, seq: int) -> None:
        """Forget the wait at a position once its outcome is in history."""
        self._c.execute(self._q["delete_wait"], {"workflow_id": workflow_id, "seq": seq})

    # -- messages --------------------------------------------------------------------------

    def send(
        self,
        workflow_id: str,
        topic: str,
        message_id: str,
        payload: str,
        now: float,
        checkpoint: Checkpoint | None = None,
    ) -> tuple[Message, bool]:
        """Append a message to a workflow's inbox and wake it if it waits on `topic`.

        One transaction. A message id already in that inbox changes nothing: returns the
        stored message and False. Raises WorkflowNotFound when there is no such workflow.
        """
        with self._c.transaction() as run:
            run(self._q["lock"], {"key": _inbox(workflow_id, topic)})
            if checkpoint is not None:
                self._append(run, checkpoint)
            if not run(self._q["workflow_status"], {"id": workflow_id}).rows:
                raise errors.WorkflowNotFound(workflow_id)
            params = {
                "workflow_id": workflow_id,
                "topic": topic,
                "id": message_id,
                "payload": payload,
                "now": now,
            }
            inserted = run(self._q["insert_message"], params).rows
            if not inserted:
                found = run(self._q["get_message"], params).rows
                return Message(**found[0]), False
            run(self._q["wake_receiver"], params)
        return Message(workflow_id, topic, int(inserted[0]["seq"]), message_id, payload, now), True

    def messages(self, workflow_id: str, topic: str, after: int = 0) -> list[Message]:
        """The inbox of `workflow_id` on `topic` after sequence number `after`, in order."""
        params = {"workflow_id": workflow_id, "topic": topic, "after": after}
        return [Message(**row) for row in self._c.query(self._q["inbox"], params)]


def _inbox(workflow_id: str, topic: str) -> str:
    return f"podium-inbox:{workflow_id}:{topic}"


def for_store(store: base.Store) -> EventStore:
    """The EventStore of `store`, made once per store."""
    return store.feature(EventStore)
