"""The `Store` protocol in domain verbs, and the frozen records it reads and writes.

The engine talks only to this interface. Every write a worker makes on behalf of a running
workflow carries a `Fence` (owner + epoch): the store applies it only while that owner still
holds that epoch of the lease, atomically with the check, and raises `LeaseLost` otherwise.
That makes a history position committed at most once, whoever else runs the workflow.
"""

from __future__ import annotations

import dataclasses
import json
import operator
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, Protocol, TypeVar

F = TypeVar("F")


@dataclasses.dataclass(frozen=True)
class WorkflowInfo:
    """A workflow as listed: what it is, where it stands, and when it last changed."""

    id: str
    workflow: str
    status: str
    queue: str
    created_at: float
    updated_at: float
    error_type: str | None = None
    parent_id: str | None = None
    paused: bool = False
    """Paused with `handle.pause()`: it starts no new step until unpaused."""


@dataclasses.dataclass(frozen=True)
class WorkflowRecord:
    """Everything the store keeps about one workflow (its history is kept apart)."""

    id: str
    workflow: str
    status: str
    queue: str
    priority: int
    key: str | None
    input: str | None
    output: str | None
    error_type: str | None
    error_message: str | None
    error_traceback: str | None
    parent_id: str | None
    created_at: float
    updated_at: float
    ready_at: float | None
    """When a pending or waiting workflow may run (None while running, or once finished)."""
    deadline: float | None
    lease_owner: str | None
    lease_epoch: int
    runs: int
    lease_until: float | None = None
    """When a running workflow's lease expires unless renewed (None unless running)."""
    paused_at: float | None = None
    """When `handle.pause()` paused it (None unless paused): it is not claimed then."""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> WorkflowRecord:
        """The record of a `podium_workflows` row (its `claimable_at` split by status)."""
        values: tuple[Any, ...] = _RECORD_COLUMNS(row)  # one C call: every claim builds one
        paused_at = row.get("paused_at")
        if values[2] == "running":  # claimable_at is when the lease expires
            return cls(*(*values[:14], None, *values[15:], values[14], paused_at))
        return cls(*(*values, None, paused_at))

    @property
    def claimable_at(self) -> float | None:
        """When a claimer may take it next: its `ready_at`, or while running its `lease_until`."""
        return self.lease_until if self.status == "running" else self.ready_at

    def info(self) -> WorkflowInfo:
        """The listing view of this record."""
        return WorkflowInfo(
            id=self.id,
            workflow=self.workflow,
            status=self.status,
            queue=self.queue,
            created_at=self.created_at,
            updated_at=self.updated_at,
            error_type=self.error_type,
            parent_id=self.parent_id,
            paused=self.paused_at is not None,
        )


_RECORD_COLUMNS = operator.itemgetter(
    *(
        "claimable_at" if field.name == "ready_at" else field.name
        for field in dataclasses.fields(WorkflowRecord)[:19]  # up to `runs`: the table's order
    )
)
"""A row's values in `WorkflowRecord`'s order, its `claimable_at` in the place of `ready_at`."""


@dataclasses.dataclass(frozen=True)
class NewWorkflow:
    """What `create_workflow` needs to store a workflow that has not run yet."""

    id: str
    workflow: str
    input: str
    queue: str = "default"
    priority: int = 0
    key: str | None = None
    parent_id: str | None = None
    ready_at: float = 0.0
    """When it may run (unless created claimed)."""
    deadline: float | None = None
    owner: str | None = None
    """Create it already claimed by this lease owner (epoch 1), to run it at once."""
    lease_until: float | None = None
    """With `owner`: when that lease expires unless renewed (required then)."""

    def row(self, now: float) -> dict[str, Any]:
        """The `create_workflow` parameters: its fields, and whether it starts claimed."""
        claimed = self.owner is not None
        if claimed and self.lease_until is None:
            raise ValueError(f"workflow {self.id!r} is created claimed but has no lease_until")
        return {
            **shallow(self),
            "now": now,
            "status": "running" if claimed else "pending",
            "claimable_at": self.lease_until if claimed else self.ready_at,
            "lease_epoch": 1 if claimed else 0,
            "runs": 1 if claimed else 0,
        }

    def record(self, now: float) -> WorkflowRecord:
        """The record `create_workflow` stores for this at `now` (what a read returns)."""
        claimed = self.owner is not None
        return WorkflowRecord(
            self.id,
            self.workflow,
            "running" if claimed else "pending",
            self.queue,
            self.priority,
            self.key,
            self.input,
            None,
            None,
            None,
            None,
            self.parent_id,
            now,
            now,
            None if claimed else self.ready_at,
            self.deadline,
            self.owner,
            1 if claimed else 0,
            1 if claimed else 0,
            self.lease_until if claimed else None,
        )


def shallow(record: Any) -> dict[str, Any]:
    """A flat record's fields as a dict: `dataclasses.asdict` without its deep copies (hot).

    A plain dataclass keeps exactly its fields in `__dict__`, so a copy of that is the dict.
    """
    fields = getattr(record, "__dict__", None)
    if fields is not None:
        return dict(fields)
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


@dataclasses.dataclass(frozen=True)
class Fence:
    """Proof of ownership a worker attaches to each write: the lease owner and its epoch."""

    workflow_id: str
    owner: str
    epoch: int


@dataclasses.dataclass(frozen=True)
class Claim:
    """A workflow a worker now owns, with the fence for its writes."""

    record: WorkflowRecord
    fence: Fence
    takeover: bool
    """True when the previous owner's lease expired while it was running (a recovery)."""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Claim:
        """The claim a claiming statement returned as `row` (with its `claimed_from`)."""
        record = WorkflowRecord.from_row(row)
        fence = Fence(record.id, record.lease_owner or "", record.lease_epoch)
        return cls(record=record, fence=fence, takeover=row["claimed_from"] == "running")


@dataclasses.dataclass
class ClaimNext:
    """A worker's `Store.claim` (limit 1) that a store may make in the commit of a run's end.

    The store sets `claims` when it did (a list, maybe empty); left None, the worker claims.
    """

    owner: str
    queues: Sequence[str]
    lease_seconds: float
    workflows: Sequence[str] | None
    claims: list[Claim] | None = None


@dataclasses.dataclass(frozen=True, init=False)
class HistoryEvent:
    """One position of a workflow's append-only history.

    `kind` is "step", "now", "random", "uuid4" or "sleep"; `status` is "completed", "failed"
    (a step's final failure, payload = the error as JSON) or "scheduled" (a timer, payload =
    its fire time).
    """

    workflow_id: str
    seq: int
    kind: str
    name: str
    status: str
    payload: str | None
    attempt: int = 1
    started_at: float | None = None
    finished_at: float | None = None

    def __init__(
        self,
        workflow_id: str,
        seq: int,
        kind: str,
        name: str,
        status: str,
        payload: str | None,
        attempt: int = 1,
        started_at: float | None = None,
        finished_at: float | None = None,
    ) -> None:
        # Stores into the instance dict: a frozen dataclass's generated __init__ calls
        # object.__setattr__ per field, over twice the cost, and every step makes one.
        fields = self.__dict__
        fields["workflow_id"], fields["seq"], fields["kind"] = workflow_id, seq, kind
        fields["name"], fields["status"], fields["payload"] = name, status, payload
        fields["attempt"], fields["started_at"] = attempt, started_at
        fields["finished_at"] = finished_at


@dataclasses.dataclass(frozen=True)
class Attempt:
    """A failed attempt of the step at a history position, kept for retries and inspection."""

    workflow_id: str
    seq: int
    attempt: int
    name: str
    error_type: str
    error_message: str
    started_at: float
    finished_at: float
    retry_at: float | None


@dataclasses.dataclass(frozen=True)
class WorkflowAttempt:
    """One attempt of a workflow: from its start (or a resume) to its end.

    `resume` keeps the failed or cancelled attempt it reopens; the last attempt is read from
    the workflow row (`ended_at` None while it is unfinished, `resumed_at` None on it).
    """

    workflow_id: str
    attempt: int
    status: str
    error_type: str | None
    error_message: str | None
    error_traceback: str | None
    runs: int
    """How many times a worker claimed it during this attempt."""
    started_at: float
    ended_at: float | None
    resumed_at: float | None

    @classmethod
    def current(cls, record: WorkflowRecord, kept: Sequence[WorkflowAttempt]) -> WorkflowAttempt:
        """The attempt the workflow row holds, after the `kept` ones."""
        ended = record.status in ("completed", "failed", "cancelled")
        return cls(
            workflow_id=record.id,
            attempt=len(kept) + 1,
            status=record.status,
            error_type=record.error_type,
            error_message=record.error_message,
            error_traceback=record.error_traceback,
            runs=record.runs - sum(a.runs for a in kept),
            started_at=(kept[-1].resumed_at if kept else None) or record.created_at,
            ended_at=record.updated_at if ended else None,
            resumed_at=None,
        )


@dataclasses.dataclass(frozen=True)
class WorkerInfo:
    """A live worker as it registered itself: what it serves, and until when it counts."""

    owner: str
    app: str
    queues: tuple[str, ...]
    workflows: tuple[str, ...]
    started_at: float
    beat_at: float
    expires_at: float

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> WorkerInfo:
        """A `podium_workers` row, whose queues and workflows are JSON arrays."""
        return cls(
            **{
                **row,
                "queues": tuple(json.loads(row["queues"])),
                "workflows": tuple(json.loads(row["workflows"])),
            }
        )

    def serves(self, queue: str, workflow: str) -> bool:
        """Whether this worker claims workflows named `workflow` on `queue`."""
        return queue in self.queues and workflow in self.workflows


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How a workflow run ended, as `finish` stores it."""

    status: str
    output: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    error_traceback: str | None = None


class Result(NamedTuple):
    """One statement's rows (as dicts) and rowcount: a tuple, built faster than a dataclass."""

    rows: list[dict[str, Any]]
    rowcount: int


Execute = Callable[[str, Mapping[str, Any]], Result]


class Connector(Protocol):
    """Runs a feature's SQL (named parameters) on a store's connections.

    Feature stores are written once against this and their SQL files, no code per database.
    """

    @property
    def dialect(self) -> str:
        """The SQL dialect, "sqlite" or "postgres": which `sql/<dialect>/` files to load."""
        ...

    def execute(self, sql: str, params: Mapping[str, Any], *, idempotent: bool = False) -> Result:
        """Run one write statement in its own commit (shared with concurrent writes if possible).

        `idempotent` says running it twice does no harm, so a connection fault may be retried.
        """
        ...

    def query(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run one read statement."""
        ...

    def transaction(self) -> AbstractContextManager[Execute]:
        """Statements run through the yielded function commit together, or not at all."""
        ...

    def array(self, values: Sequence[str]) -> object:
        """`values` as one parameter a query reads as a list (an array, or JSON text)."""
        ...


class Listener(Protocol):
    """Who hears a store's push notifications (the engine's Notifier)."""

    def work_available(self) -> None:
        """Some workflow may have become claimable."""
        ...

    def run_ended(self, workflow_id: str) -> None:
        """`workflow_id` finished (completed, failed or cancelled)."""
        ...


class Store(Protocol):
    """Durable state of all workflows; the only state workers share."""

    @property
    def connector(self) -> Connector:
        """Where feature stores run their SQL."""
        ...

    def feature(self, make: Callable[[Connector], F]) -> F:
        """The feature store `make(connector)` builds, built once per store and kept."""
        ...

    def create_workflow(self, new: NewWorkflow, now: float) -> tuple[WorkflowRecord, bool]:
        """Insert `new` unless its id exists; return the stored record and whether it was new.

        Atomic and race-safe: of any number of concurrent creates of one id, exactly one
        returns True. With `new.owner` set, the new row is created running under that owner's
        lease (epoch 1, expiring at `new.lease_until`).
        """
        ...

    def get_workflow(self, workflow_id: str) -> WorkflowRecord | None:
        """Return the record of `workflow_id`, or None."""
        ...

    def list_workflows(
        self,
        *,
        status: str | None = None,
        workflow: str | None = None,
        queue: str | None = None,
        limit: int = 50,
        offset: int = 0,
        top_level: bool = False,
    ) -> list[WorkflowRecord]:
        """Return matching workflows, newest first (`top_level`: only those without a parent)."""
        ...

    def claim(
        self,
        owner: str,
        queues: Sequence[str],
        limit: int,
        now: float,
        lease_seconds: float,
        workflows: Sequence[str] | None = None,
    ) -> list[Claim]:
        """Take up to `limit` ready workflows of `queues` for `owner`, atomically.

        Ready: pending or waiting with `ready_at <= now`, or running with `lease_until <= now`
        (an expired lease: a takeover). Each claim bumps the lease epoch, which fences off
        the previous owner. With `workflows`, only workflows of those names are taken (a
        worker never claims what it cannot run); None takes any. A server that has just
        (re)started takes nothing over for `lease_seconds` (the takeover grace), so owners
        that lived through its outage renew before a claim can take their runs.
        """
        ...

    def claim_one(
        self,
        workflow_id: str,
        owner: str,
        now: float,
        lease_seconds: float,
        workflows: Sequence[str] | None = None,
    ) -> Claim | None:
        """Claim `workflow_id` if it is ready now (and, with `workflows`, one of those); or None."""
        ...

    def next_due(
        self, queues: Sequence[str], now: float, workflows: Sequence[str] | None = None
    ) -> float | None:
        """The first `claimable_at` after `now` that `claim` could take: a wake-up hint only."""
        ...

    def renew_leases(
        self, owner: str, workflow_ids: Sequence[str], now: float, lease_seconds: float
    ) -> int:
        """Extend `owner`'s leases on `workflow_ids` to `now + lease_seconds`; return how many.

        The time the call waited before its statement ran (for a connection, during a store
        outage) is added: the lease written still lasts `lease_seconds`, never already expired.

        Only the runs a process still has in flight are renewed, so a run that ended badly
        without releasing its workflow loses the lease and another worker takes it over.
        """
        ...

    def wake(self, workflow_id: str, now: float) -> bool:
        """Tell a workflow its wait condition may hold now; False if it is not running or waiting.

        A waiting workflow becomes ready now. A running one is marked, and its next `suspend`
        makes it ready at once: a wake that races with the decision to wait is never lost.
        """
        ...

    def load_history(self, workflow_id: str) -> list[HistoryEvent]:
        """Return the history of `workflow_id` in position order."""
        ...

    def load_attempts(self, workflow_id: str) -> list[Attempt]:
        """Return the failed attempts recorded for `workflow_id`, by position then attempt."""
        ...

    def append_history(self, fence: Fence, event: HistoryEvent) -> None:
        """Append `event` at its position if `fence` holds; else raise LeaseLost.

        Atomic: the fence check and the insert commit together; a position that already
        exists is never overwritten (LeaseLost is raised instead).
        """
        ...

    def record_attempt(self, fence: Fence, attempt: Attempt) -> None:
        """Record a failed attempt if `fence` holds; else raise LeaseLost."""
        ...

    def suspend(self, fence: Fence, wake_at: float | None, now: float) -> None:
        """Release the lease; park the workflow as waiting until `wake_at` (None: until woken)."""
        ...

    def release(self, fence: Fence, now: float) -> None:
        """Give the workflow back as ready now, for another worker to continue at once."""
        ...

    def finish(
        self,
        fence: Fence,
        outcome: Outcome,
        now: float,
        *,
        parent_id: str | None = None,
        history: Sequence[HistoryEvent] = (),
        then_claim: ClaimNext | None = None,
    ) -> bool:
        """Store the final outcome and release the lease, if `fence` holds; else LeaseLost.

        With `parent_id` (the workflow is a child), the same transaction wakes that parent if
        it waits for its children and few enough of them are open now: a crash right after
        a child's end never leaves its parent waiting for a fallback poll. Returns whether
        it woke the parent (always False without `parent_id`).

        `history` (rows a run held back, such as its last step's result) is appended in the
        same transaction, as `append_history` would: the end and the rows commit together or
        not at all. A lost fence, or a position that exists already, writes nothing and raises
        LeaseLost. So a run's last checkpoint and its end cost one commit.
        `then_claim`: see `ClaimNext` (its claims stand even when LeaseLost is raised).
        """
        ...

    def cancel(self, workflow_id: str, now: float) -> WorkflowRecord | None:
        """Cancel an unfinished workflow (fencing off its owner); return the record or None."""
        ...

    def resume(self, workflow_id: str, now: float) -> WorkflowRecord | None:
        """Make a failed or cancelled workflow ready again; its final failed steps are dropped.

        The ended attempt (status, error, traceback, times) is kept first, in the same
        transaction (see `load_workflow_attempts`). Returns the updated record, the unchanged
        record when it was not failed or cancelled, or None when no such workflow exists.
        """
        ...

    def load_workflow_attempts(self, workflow_id: str) -> list[WorkflowAttempt]:
        """Every attempt of `workflow_id`, oldest first, the current one last ([] if none)."""
        ...

    def beat_worker(self, worker: WorkerInfo, now: float) -> None:
        """Register or refresh a live worker (what it serves, until `worker.expires_at`)."""
        ...

    def forget_worker(self, owner: str) -> None:
        """Remove a stopping worker's registration."""
        ...

    def forget_dead_workers(self, before: float) -> None:
        """Delete registrations that expired before `before` (workers that died)."""
        ...

    def live_workers(self, now: float) -> list[WorkerInfo]:
        """The workers whose registration has not expired at `now`."""
        ...

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Push what other processes change to `listener`; return a function that stops it.

        A store without push notifications returns a no-op: workers and waiters then poll.
        """
        ...

    def close(self) -> None:
        """Release connections."""
        ...
