"""The claim with many workflows stored that are not due: right rows, and plans that skip them.

A store holds far more sleeping, delayed, leased and finished workflows than due ones. The
claim must take exactly the due rows a claimer may run, highest priority first and oldest
first within a priority, and its plan must start each walk at the due end of the claim index
(a range on claimable_at per queue and priority), never read every row of a queue.
"""

import time
from typing import Any

import podium
from podium.store import base, queries
from tests.conformance.test_worker_names import claim_plan

NOT_DUE = 1200
"""Rows that must not be claimed: enough that a plan walking them would show in EXPLAIN."""

INSERT = """
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, created_at, updated_at, claimable_at,
     lease_owner, lease_epoch, paused_at)
VALUES (:id, :workflow, :status, :queue, :priority, :now, :now, :claimable_at,
        :owner, :epoch, :paused_at)
"""


def _row(wf_id: str, now: float, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"id": wf_id, "workflow": "mine", "status": "pending"}
    row["queue"] = "default"
    row.update(priority=0, now=now, claimable_at=now, owner=None, epoch=0, paused_at=None)
    row.update(fields)
    return row


def _not_due(now: float) -> list[dict[str, Any]]:
    """Delayed, sleeping, leased and finished workflows over three priorities, two queues."""
    rows = []
    for i in range(NOT_DUE):
        later = now + 60 + i
        priority = (0, 5, -3)[i % 3]
        queue = "other" if i % 7 == 0 else "default"
        kind = i % 4
        if kind == 0:
            fields: dict[str, Any] = {"claimable_at": later}
        elif kind == 1:
            fields = {"status": "waiting", "claimable_at": later}
        elif kind == 2:
            fields = {"status": "running", "claimable_at": later, "owner": "live", "epoch": 1}
        else:
            fields = {"status": "completed", "claimable_at": None}
        rows.append(_row(f"later-{i}", now, priority=priority, queue=queue, **fields))
    return rows


def _due(now: float) -> list[dict[str, Any]]:
    """The due rows; only some of them may be claimed by a worker running `mine`."""
    return [
        _row("a", now, claimable_at=now - 30),
        _row("b", now, priority=5, claimable_at=now - 10),
        _row("c", now, claimable_at=now - 50),
        _row("d", now, priority=-3, claimable_at=now - 100),
        _row("e-theirs", now, priority=9, claimable_at=now - 5, workflow="theirs"),
        _row("f-other", now, priority=5, claimable_at=now - 20, queue="other"),
        _row("g-paused", now, priority=9, claimable_at=now - 5, paused_at=now - 1),
        _row("h-expired", now, status="running", claimable_at=now - 40, owner="dead", epoch=3),
        _row("i-waiting", now, status="waiting", claimable_at=now - 1, priority=-3),
    ]


def _fill(store: base.Store, now: float) -> None:
    c = store.connector
    sql = queries.adapt(c.dialect, INSERT)
    with c.transaction() as run:
        for row in [*_not_due(now), *_due(now)]:
            run(sql, row)
    if c.dialect == "postgres":
        c.execute("ANALYZE podium_workflows", {})


def _ids(claims: list[base.Claim]) -> list[str]:
    return [claim.record.id for claim in claims]


def test_the_claim_takes_due_rows_in_priority_then_age_order(app: podium.App):
    store, now = app.store, time.time()
    _fill(store, now)

    first = store.claim("w1", ["default"], 3, now, 30.0, workflows=["mine"])
    assert sorted(_ids(first)) == ["b", "c", "h-expired"]
    by_id = {c.record.id: c for c in first}
    assert by_id["h-expired"].takeover and not by_id["b"].takeover
    assert by_id["h-expired"].fence.epoch == 4
    second = store.claim("w1", ["default"], 10, now, 30.0, workflows=["mine"])
    assert sorted(_ids(second)) == ["a", "d", "i-waiting"]
    assert store.claim("w1", ["default"], 10, now, 30.0, workflows=["mine"]) == []
    anyone = store.claim("w2", ["default", "other"], 10, now, 30.0)
    assert sorted(_ids(anyone)) == ["e-theirs", "f-other"]
    assert store.claim("w2", ["default", "other"], 10, now + 20, 30.0) == []


def test_a_claim_of_two_queues_orders_across_them(app: podium.App):
    store, now = app.store, time.time()
    _fill(store, now)
    two = store.claim("w", ["default", "other"], 2, now, 30.0, workflows=["mine"])
    assert sorted(_ids(two)) == ["b", "f-other"]
    rest = store.claim("w", ["other", "default"], 1, now, 30.0, workflows=["mine"])
    assert _ids(rest) == ["c"]


def test_the_claim_plan_reads_only_the_due_range_of_each_level(app: podium.App):
    c = app.store.connector
    _fill(app.store, time.time())
    for queues in (["default"], ["default", "other"]):
        plan = claim_plan(c, queues, force_index=False)
        if c.dialect == "sqlite":
            assert "(queue=? AND priority=? AND claimable_at>? AND claimable_at<?)" in plan, plan
            assert "SCAN podium_workflows" not in plan, plan
        else:  # the pick; the UPDATE of the picked ids may hash-join a table this small
            plan = plan.split("CTE claimed")[0]
            assert "Seq Scan on podium_workflows" not in plan, plan
            assert "Index Cond: ((queue = levels_1.queue) AND (priority = levels_1.priority)" in (
                plan
            ), plan
            assert "(claimable_at <=" in plan, plan


def test_a_limited_queue_claims_the_same_rows_and_skips_the_rest(app: podium.App):
    from podium.store import queues as queue_limits

    store, now = app.store, time.time()
    _fill(store, now)
    queue_limits.save(store.connector, queue_limits.QueueConfig("default", concurrency=50), now)
    first = store.claim("w", ["default"], 2, now, 30.0, workflows=["mine"])
    assert sorted(_ids(first)) == ["b", "c"]
    rest = store.claim("w", ["default"], 10, now, 30.0, workflows=["mine"])
    assert sorted(_ids(first) + _ids(rest)) == ["a", "b", "c", "d", "h-expired", "i-waiting"]

    c = store.connector
    sql = queries.load(c.dialect, "queues")["candidates"]
    params = {"queue": "default", "now": now, "fresh": True, "limit": 16, "offset": 0}
    params["takeover_grace"] = 30.0
    params.update(queries.name_filter(c, ["mine"]))
    if c.dialect == "sqlite":
        plan = " ".join(str(r["detail"]) for r in c.query("EXPLAIN QUERY PLAN " + sql, params))
        assert "(queue=? AND priority=? AND claimable_at>? AND claimable_at<?)" in plan, plan
        assert "SCAN podium_workflows" not in plan, plan
    else:
        plan = " ".join(str(r["QUERY PLAN"]) for r in c.query("EXPLAIN " + sql, params))
        assert "Seq Scan on podium_workflows" not in plan, plan
        assert "(claimable_at <=" in plan, plan


def test_is_anything_paused_reads_the_partial_index_with_or_without_statistics(app: podium.App):
    c = app.store.connector
    sql = queries.adapt(c.dialect, INSERT)
    now = time.time()
    with c.transaction() as run:  # no ANALYZE: the planner has no statistics of these rows
        for row in _not_due(now):
            run(sql, row)
    any_paused = queries.load(c.dialect, "operate")["any_paused"]
    for analyzed in (False, True):
        if analyzed and c.dialect == "postgres":
            c.execute("ANALYZE podium_workflows", {})
        if c.dialect == "sqlite":
            plan = " ".join(
                str(r["detail"]) for r in c.query("EXPLAIN QUERY PLAN " + any_paused, {})
            )
        else:
            plan = " ".join(str(r["QUERY PLAN"]) for r in c.query("EXPLAIN " + any_paused, {}))
        assert "podium_workflows_paused" in plan, plan
