"""The core `Store` verbs, written once over a `Connector` for every dialect.

A dialect module (`sqlite`, `postgres`) keeps only what really differs: how it connects and
commits (WAL checkpointer and group commit; a connection pool), how it migrates, its push
notifications, and the few statements in `sql/<dialect>/workflows.sql` whose SQL differs.
Everything here is one statement per verb in its own commit unless it says otherwise; the
fence check of a fenced write sits inside the same statement.
"""

from __future__ import annotations

import json
import operator
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast

from podium import errors
from podium.store import base, groupcommit, queries
from podium.store import queues as queue_limits

F = TypeVar("F")
Statement = tuple[str, Mapping[str, Any]]
"""A statement and its parameters (what `base.Execute` takes): one of a unit (`_write_unit`)."""
FEATURE = "workflows"
_FILTERS = ("status", "workflow", "queue")
_NAME_FILTERS_KEPT = 64


def fenced(fields: Mapping[str, Any], fence: base.Fence) -> dict[str, Any]:
    """`fields` with the lease a fenced statement checks (`:fence_id/owner/epoch`)."""
    return {
        **fields,
        "fence_id": fence.workflow_id,
        "fence_owner": fence.owner,
        "fence_epoch": fence.epoch,
    }


def append_fenced(
    run: base.Execute, dialect: str, fence: base.Fence, event: base.HistoryEvent
) -> None:
    """Append `event` inside `run`'s transaction, fenced: LeaseLost once `fence` lost the lease.

    What other features commit atomically with a history row (outbox, state, attributes).
    """
    params = fenced(base.shallow(event), fence)
    if run(queries.load(dialect, FEATURE)["append_history"], params).rowcount != 1:
        raise errors.LeaseLost(fence.workflow_id)


def appended(event: base.HistoryEvent) -> dict[str, Any]:
    """The parameters of `event` in `finish_appending` (its status as `event_status`)."""
    return {
        "seq": event.seq,
        "kind": event.kind,
        "name": event.name,
        "event_status": event.status,
        "payload": event.payload,
        "attempt": event.attempt,
        "started_at": event.started_at,
        "finished_at": event.finished_at,
    }


def appending(
    q: Mapping[str, str], params: Mapping[str, Any], event: base.HistoryEvent
) -> tuple[str, dict[str, Any]]:
    """The fenced `append_history` of `event` under the fence in `params` (`:fence_*`)."""
    fence = {key: params[key] for key in ("fence_id", "fence_owner", "fence_epoch")}
    return q["append_history"], {**base.shallow(event), **fence}


class WorkflowStore(queries.Feature, sql=FEATURE):
    """The `Store` verbs on workflows, their history and their leases, over one connector."""

    CLAIM_WITH_END = False
    """Whether a child's end may carry its worker's next claim (`finish`'s `then_claim`)."""

    def __init__(self, connector: base.Connector) -> None:
        super().__init__(connector)
        self._features: dict[Callable[[base.Connector], Any], Any] = {}
        self._claim_sqls: dict[int, tuple[str, tuple[str, ...]]] = {}
        self._name_filters: dict[tuple[tuple[str, ...] | None, float], dict[str, Any]] = {}
        self._claims = groupcommit.GroupCommit(self._claim_together)

    @property
    def connector(self) -> base.Connector:
        """Where feature stores run their SQL (see `base.Connector`)."""
        return self._c

    def feature(self, make: Callable[[base.Connector], F]) -> F:
        """See `Store.feature`."""
        found = self._features.get(make)
        if found is None:
            found = self._features[make] = make(self._c)
        return found

    def _fenced(self, name: str, fields: Mapping[str, Any], fence: base.Fence) -> None:
        params = {
            **fields,  # `fenced(fields, fence)`, inline: every step's result is written here
            "fence_id": fence.workflow_id,
            "fence_owner": fence.owner,
            "fence_epoch": fence.epoch,
        }
        if self._write_one(self._q[name], params, fence.workflow_id).rowcount != 1:
            raise errors.LeaseLost(fence.workflow_id)

    def _write_one(self, sql: str, params: Mapping[str, Any], workflow_id: str) -> base.Result:
        """Run a write that locks only `workflow_id`'s row (a dialect may batch such writes)."""
        return self._c.execute(sql, params)

    def _write_claim(self, sql: str, params: Mapping[str, Any]) -> base.Result:
        """Run a claim, which locks only rows no one else holds (a dialect may batch it)."""
        return self._c.execute(sql, params)

    # -- workflows -------------------------------------------------------------------------

    def create_workflow(
        self, new: base.NewWorkflow, now: float
    ) -> tuple[base.WorkflowRecord, bool]:
        """See `Store.create_workflow`."""
        if self._c.execute(self._q["create_workflow"], new.row(now)).rowcount == 1:
            return new.record(now), True
        record = self.get_workflow(new.id)
        if record is None:
            raise errors.PodiumError(f"workflow {new.id!r} was neither created nor found")
        return record, False

    def get_workflow(self, workflow_id: str) -> base.WorkflowRecord | None:
        """See `Store.get_workflow`."""
        rows = self._c.query(self._q["get_workflow"], {"id": workflow_id})
        return base.WorkflowRecord.from_row(rows[0]) if rows else None

    def list_workflows(
        self,
        *,
        status: str | None = None,
        workflow: str | None = None,
        queue: str | None = None,
        limit: int = 50,
        offset: int = 0,
        top_level: bool = False,
    ) -> list[base.WorkflowRecord]:
        """See `Store.list_workflows`."""
        given = dict(zip(_FILTERS, (status, workflow, queue), strict=True))
        params: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        clauses = [f"{column} = :{column}" for column in params]
        where = " AND ".join([*clauses, "parent_id IS NULL"] if top_level else clauses)
        sql = (
            f"SELECT * FROM podium_workflows {'WHERE ' + where if where else ''} "
            "ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"
        )
        params.update(limit=limit, offset=offset)
        rows = self._c.query(queries.adapt(self._c.dialect, sql), params)
        return [base.WorkflowRecord.from_row(row) for row in rows]

    # -- claiming and leases ---------------------------------------------------------------

    def claim(
        self,
        owner: str,
        queues: Sequence[str],
        limit: int,
        now: float,
        lease_seconds: float,
        workflows: Sequence[str] | None = None,
    ) -> list[base.Claim]:
        """See `Store.claim`; queues with limits are claimed through `podium.store.queues`.

        On PostgreSQL a running workflow whose lease expired is not taken over within one
        lease (`takeover_grace`) of the server's start: its live owner renews first.
        """
        names = self._name_filter(workflows, lease_seconds)
        by = queue_limits.Claimant(owner, now, lease_seconds, names)
        return queue_limits.claim_any(self._c, self._claim_plain, by, queues, limit)

    def _claim_plain(
        self, by: queue_limits.Claimant, queues: Sequence[str], limit: int
    ) -> list[base.Claim]:
        sql, params = self._claim_statement(by, queues, limit)
        rows = self._claims.submit(groupcommit.Write(sql, params, _alike(by, queues))).rows
        return [base.Claim.from_row(row) for row in rows]

    def _claim_statement(
        self, by: queue_limits.Claimant, queues: Sequence[str], limit: int
    ) -> tuple[str, dict[str, Any]]:
        """The plain claim of up to `limit` workflows of `queues` (none limited) by `by`."""
        sql, keys = self._claim_sql(len(queues))
        params = {**by.names, "owner": by.owner, "limit": limit, "now": by.now}
        params["lease_until"] = by.now + by.lease_seconds
        params.update(zip(keys, queues, strict=True))
        return sql, params

    def _claim_with_end(self, request: base.ClaimNext, now: float) -> tuple[Statement, str] | None:
        """The claim of `request` as a statement of an end's commit, and its `_alike`; or None.

        Only where the dialect says so (`CLAIM_WITH_END`), and only for queues that the plain
        claim serves (none limited or paused): a limited claim is a transaction of its own.
        """
        if not self.CLAIM_WITH_END:
            return None
        plain, limited = queue_limits.split(self._c, request.queues)
        if limited or not plain or len(plain) != len(request.queues):
            return None
        names = self._name_filter(request.workflows, request.lease_seconds)
        by = queue_limits.Claimant(request.owner, now, request.lease_seconds, names)
        return self._claim_statement(by, plain, 1), _alike(by, plain)

    def _claim_together(
        self, batch: list[groupcommit.Write], run: base.Execute | None = None
    ) -> None:
        """Run the claims of `batch` (see `_claim_plain`): one statement per kind of claim.

        Claims alike but for their limit (`_alike`: threads of one worker that each want
        their next workflow at once) cost one claim, not one each (`groupcommit.AlikeClaims`).
        `run` runs the statements (default: `_write_claim`).
        """
        run = run or self._write_claim
        if len(batch) == 1:  # no other claim at once (the common case): nothing to merge
            write = batch[0]
            try:
                write.rows = run(write.sql, cast(Mapping[str, Any], write.params)).rows
            except Exception as exc:
                write.error = exc
            write.rowcount = len(write.rows)
            return
        for alike in groupcommit.alike_claims(batch, operator.attrgetter("key")):
            try:
                rows = run(alike.sql, alike.params).rows
            except Exception as exc:
                alike.fail(exc)
                continue
            alike.deal(rows)

    def _name_filter(self, workflows: Sequence[str] | None, grace: float) -> dict[str, Any]:
        """`queries.name_filter` of `workflows` with the takeover grace, kept (claims repeat)."""
        key = (None if workflows is None else tuple(workflows), grace)
        found = self._name_filters.get(key)
        if found is None:
            if len(self._name_filters) >= _NAME_FILTERS_KEPT:
                self._name_filters.clear()
            found = self._name_filters[key] = {
                **queries.name_filter(self._c, workflows),
                "takeover_grace": grace,
            }
        return found

    def _claim_sql(self, count: int) -> tuple[str, tuple[str, ...]]:
        """The claim statement for `count` queues, its parameter names.

        `{queue_rows}` becomes `(:q0), (:q1), ...`: the VALUES rows the claim walks per queue.
        A dialect may have a cheaper statement for one queue (`claim_queue`, its name `:q0`).
        """
        found = self._claim_sqls.get(count)
        if found is None:
            keys = tuple(f"q{i}" for i in range(count))
            rows = queries.adapt(self._c.dialect, ", ".join(f"(:{key})" for key in keys))
            single = self._q.get("claim_queue") if count == 1 else None
            sql = single or self._q["claim"].replace("{queue_rows}", rows)
            found = self._claim_sqls[count] = (sql, keys)
        return found

    def next_due(
        self, queues: Sequence[str], now: float, workflows: Sequence[str] | None = None
    ) -> float | None:
        """See `Store.next_due`: one statement per queue, an index seek per priority level."""
        params = {"now": now, **queries.name_filter(self._c, workflows)}
        found = (self._c.query(self._q["next_due"], {**params, "queue": q}) for q in queues)
        return min(
            (float(r[0]["due"]) for r in found if r and r[0]["due"] is not None), default=None
        )

    def claim_one(
        self,
        workflow_id: str,
        owner: str,
        now: float,
        lease_seconds: float,
        workflows: Sequence[str] | None = None,
    ) -> base.Claim | None:
        """See `Store.claim_one` (and `claim` for the takeover grace)."""
        names = self._name_filter(workflows, lease_seconds)
        if queue_limits.any_limited(self._c):
            by = queue_limits.Claimant(owner, now, lease_seconds, names)
            limited = queue_limits.claim_one(self._c, workflow_id, by)
            if limited is not None:
                return limited[0] if limited else None
        params = {
            "id": workflow_id,
            "owner": owner,
            "now": now,
            "lease_until": now + lease_seconds,
            **names,
        }
        rows = self._c.execute(self._q["claim_one"], params).rows
        return base.Claim.from_row(rows[0]) if rows else None

    def renew_leases(
        self, owner: str, workflow_ids: Sequence[str], now: float, lease_seconds: float
    ) -> int:
        """See `Store.renew_leases`; idempotent, so a connection fault may be retried.

        The lease end is worked out when the statement is sent (see `_Renewal`), so a call
        that waited out a store outage does not write a lease that has already expired.
        """
        if not workflow_ids:
            return 0
        params = _Renewal(owner, self._c.array(workflow_ids), now + lease_seconds)
        return self._c.execute(self._q["renew_leases"], params, idempotent=True).rowcount

    def wake(self, workflow_id: str, now: float) -> bool:
        """See `Store.wake`."""
        return self._c.execute(self._q["wake"], {"id": workflow_id, "now": now}).rowcount == 1

    # -- history ---------------------------------------------------------------------------

    def load_history(self, workflow_id: str) -> list[base.HistoryEvent]:
        """See `Store.load_history`."""
        rows = self._c.query(self._q["load_history"], {"id": workflow_id})
        return [base.HistoryEvent(*row.values()) for row in rows]  # columns in field order

    def load_attempts(self, workflow_id: str) -> list[base.Attempt]:
        """See `Store.load_attempts`."""
        rows = self._c.query(self._q["load_attempts"], {"id": workflow_id})
        return [base.Attempt(*row.values()) for row in rows]  # columns in field order

    def append_history(self, fence: base.Fence, event: base.HistoryEvent) -> None:
        """See `Store.append_history`."""
        self._fenced("append_history", vars(event), fence)  # a plain dataclass: its fields

    def record_attempt(self, fence: base.Fence, attempt: base.Attempt) -> None:
        """See `Store.record_attempt`."""
        self._fenced("record_attempt", vars(attempt), fence)

    # -- ends of a run ---------------------------------------------------------------------

    def suspend(self, fence: base.Fence, wake_at: float | None, now: float) -> None:
        """See `Store.suspend`."""
        self._fenced("suspend", {"wake_at": wake_at, "now": now}, fence)

    def release(self, fence: base.Fence, now: float) -> None:
        """See `Store.release`."""
        self._fenced("release", {"now": now}, fence)

    def finish(
        self,
        fence: base.Fence,
        outcome: base.Outcome,
        now: float,
        *,
        parent_id: str | None = None,
        history: Sequence[base.HistoryEvent] = (),
        then_claim: base.ClaimNext | None = None,
    ) -> bool:
        """See `Store.finish`: a child's end and its parent's wake-up commit together.

        Held `history` rows commit in the same transaction as the end, under the same fence;
        so may the next claim of the worker that ran it (`_claim_with_end`): of any child's
        end, and of a workflow's end with held rows where the dialect carries it (SQLite).
        """
        params = {**base.shallow(outcome), "now": now}
        if parent_id is None and not history:
            self._fenced("finish", params, fence)
            return False
        params.update(fence_id=fence.workflow_id, fence_owner=fence.owner, fence_epoch=fence.epoch)
        if parent_id is None:
            self._finish_appending(params, history, then_claim)
            return False
        return self._finish_child(params, parent_id, now, history, then_claim)

    def _finish_appending(
        self,
        params: dict[str, Any],
        history: Sequence[base.HistoryEvent],
        then_claim: base.ClaimNext | None = None,
    ) -> None:
        """A fenced `finish` with `history` rows, in one transaction (else LeaseLost).

        Where the dialect has it (`finish_appending`, PostgreSQL), one row and the end are one
        statement, which joins the dialect's group commit like any end of a run. SQLiteStore
        overrides this to join its group commit as one unit, which carries the worker's next
        claim (`then_claim`) there; here it is left to the worker.
        """
        if len(history) == 1 and "finish_appending" in self._q:
            both = {**params, **appended(history[0])}
            if self._write_one(self._q["finish_appending"], both, params["fence_id"]).rowcount:
                return
            raise errors.LeaseLost(params["fence_id"])
        with self._c.transaction() as run:
            self._appending(run, params, history)
            if run(self._q["finish"], params).rowcount != 1:
                raise errors.LeaseLost(params["fence_id"])  # rolls back: nothing written

    def _appending(
        self, run: base.Execute, params: Mapping[str, Any], history: Sequence[base.HistoryEvent]
    ) -> None:
        """Append `history` inside `run`'s transaction under `params`' fence (else LeaseLost)."""
        for event in history:
            if run(*appending(self._q, params, event)).rowcount != 1:
                raise errors.LeaseLost(params["fence_id"])  # rolls back: nothing written

    def _finish_child(
        self,
        params: dict[str, Any],
        parent_id: str,
        now: float,
        history: Sequence[base.HistoryEvent] = (),
        then_claim: base.ClaimNext | None = None,
    ) -> bool:
        """A fenced `finish`, its held `history` and the parent's wake-up if due; woken?

        One unit of statements (`_write_unit`), so the ends of children finishing at once
        share a commit. Where the dialect locks rows (PostgreSQL), the parent's row is locked
        first: that orders this end with the parent's storing of its wait (`set_wait`), and
        the wait's row before the wake-up, so of two ends the later counts both (see
        `lock_parent` in postgres/workflows.sql). A stale end writes nothing but may still
        wake the parent, which is harmless: it is woken only if its wait is over. One held
        row joins the end's own statement where the dialect has `finish_appending` (both or
        neither); otherwise the rows go first, each fenced as the end is, so a lost fence
        writes none of them (a fence cannot change within one commit). The parent's lock
        before the end, and its wait's lock and wake-up after it, are the unit's shared head
        and tail: the ends of the parent's children committed together need them once (the
        locks last to the commit, and the wake-up after the last end counts all of them).
        The worker's next claim (`then_claim`) may ride along (`_claim_with_end`, `merge` of
        `_write_unit`).
        """
        q = self._q
        parent = {"parent_id": parent_id, "now": now}
        ends: list[Statement]
        if len(history) == 1 and "finish_appending" in q:
            ends = [(q["finish_appending"], {**params, **appended(history[0])})]
        else:
            ends = [*(appending(q, params, event) for event in history), (q["finish"], params)]
        wake: Statement = (q["wake_if_due"], parent)
        head: list[Statement] = []
        tail: list[Statement] = [wake]
        if "lock_parent" in q:
            head, tail = [(q["lock_parent"], parent)], [(q["lock_child_wait"], parent), wake]
        statements = [*head, *ends, *tail]
        claim = None if then_claim is None else self._claim_with_end(then_claim, now)
        child = params["fence_id"]
        if claim is None:
            results = self._write_unit(statements, parent_id, len(head), len(tail), row=child)
        else:
            claimed, *results = self._write_unit(
                [claim[0], *statements], parent_id, len(head), len(tail), claim[1], row=child
            )
            assert then_claim is not None
            then_claim.claims = [base.Claim.from_row(row) for row in claimed.rows]
        if any(result.rowcount != 1 for result in results[len(head) : len(head) + len(ends)]):
            raise errors.LeaseLost(params["fence_id"])
        return results[-1].rowcount == 1

    def _write_unit(
        self,
        statements: Sequence[Statement],
        key: str,
        head: int = 0,
        tail: int = 0,
        merge: str = "",
        row: str = "",
    ) -> list[base.Result]:
        """Run `statements` in order as one transaction; their results.

        `key` names the row they lock first and `row` the one they lock next (a child's end:
        the parent's, then the child's); a dialect may join them to its group commit,
        sharing the first `head` and last `tail` statements with other units of the same key
        and the same such statements in one transaction (see `groupcommit.Write.head`). With
        `merge`, the first statement is a claim (a worker's next, `_claim_with_end`) and
        `head` and `tail` count the statements after it: a dialect that sets `CLAIM_WITH_END`
        may run it as one with the alike claims (`merge`) of other units, and where it locks
        rows it runs it last (see `groupcommit.Write.merge`).
        """
        with self._c.transaction() as run:
            return [run(sql, params) for sql, params in statements]

    def cancel(self, workflow_id: str, now: float) -> base.WorkflowRecord | None:
        """See `Store.cancel`."""
        rows = self._c.execute(self._q["cancel"], {"id": workflow_id, "now": now}).rows
        return base.WorkflowRecord.from_row(rows[0]) if rows else self.get_workflow(workflow_id)

    def resume(self, workflow_id: str, now: float) -> base.WorkflowRecord | None:
        """See `Store.resume`: the status change and both deletions commit as one transaction."""
        params = {"id": workflow_id, "now": now}
        try:
            with self._c.transaction() as run:
                run(self._q["keep_attempt"], params)
                rows = run(self._q["resume"], params).rows
                if not rows:
                    raise _NothingToResume  # roll back the kept attempt
                run(self._q["drop_open_attempts"], params)
                run(self._q["drop_failed_tail"], params)
        except _NothingToResume:
            return self.get_workflow(workflow_id)
        return base.WorkflowRecord.from_row(rows[0])

    def load_workflow_attempts(self, workflow_id: str) -> list[base.WorkflowAttempt]:
        """See `Store.load_workflow_attempts`."""
        record = self.get_workflow(workflow_id)
        if record is None:
            return []
        rows = self._c.query(self._q["load_workflow_attempts"], {"id": workflow_id})
        kept = [base.WorkflowAttempt(**row) for row in rows]
        return [*kept, base.WorkflowAttempt.current(record, kept)]

    # -- workers ---------------------------------------------------------------------------

    def beat_worker(self, worker: base.WorkerInfo, now: float) -> None:
        """See `Store.beat_worker`; a worker that died long ago is forgotten on the way."""
        params = {
            **base.shallow(worker),
            "queues": json.dumps(list(worker.queues)),
            "workflows": json.dumps(list(worker.workflows)),
            "now": now,
        }
        self._c.execute(self._q["beat_worker"], params, idempotent=True)

    def forget_worker(self, owner: str) -> None:
        """See `Store.forget_worker`."""
        self._c.execute(self._q["forget_worker"], {"owner": owner}, idempotent=True)

    def forget_dead_workers(self, before: float) -> None:
        """Delete registrations that expired before `before` (workers that died)."""
        self._c.execute(self._q["forget_dead_workers"], {"before": before}, idempotent=True)

    def live_workers(self, now: float) -> list[base.WorkerInfo]:
        """See `Store.live_workers`."""
        rows = self._c.query(self._q["live_workers"], {"now": now})
        return [base.WorkerInfo.from_row(row) for row in rows]


def _alike(by: queue_limits.Claimant, queues: Sequence[str]) -> str:
    """What claims alike but for their limit (one worker's threads) share: one statement."""
    return f"{by.owner}\0{id(by.names)}\0{len(queues)}\0" + "\0".join(queues)


class _Renewal(Mapping[str, Any]):
    """The parameters of `renew_leases`, whose `lease_until` grows with the wait for the store.

    The driver reads them when it sends the statement: after waiting for a pool connection
    or a retry, `lease_until` is `now + lease_seconds` plus the time (a monotonic clock) since
    the call, so the lease still lasts `lease_seconds` from when the database writes it.
    """

    _KEYS = ("owner", "ids", "lease_until")

    def __init__(self, owner: str, ids: object, lease_until: float) -> None:
        self._owner = owner
        self._ids = ids
        self._lease_until = lease_until
        self._called = time.monotonic()

    def __getitem__(self, key: str) -> Any:
        if key == "lease_until":
            return self._lease_until + (time.monotonic() - self._called)
        if key == "owner":
            return self._owner
        if key == "ids":
            return self._ids
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._KEYS)

    def __len__(self) -> int:
        return len(self._KEYS)


class _NothingToResume(Exception):
    """Rolls back `resume`'s transaction when the workflow was not failed or cancelled."""
