"""Idle workers wake when a row falls due, not a poll interval later.

`Store.next_due` is the hint an idle worker sleeps by: the earliest future `claimable_at`
among the rows the same worker could claim. It must skip rows that are due already, paused,
finished, in other queues or (with a name filter) of other workflows, and read only the first
future row of each priority level.
"""

import time

import podium
from podium.store import queries
from tests.conformance.conftest import AppFactory
from tests.conformance.test_claim_scale import _fill, _row


def _next_due(app: podium.App, queues: list[str], now: float, names: list[str] | None) -> float:
    due = app.store.next_due(queues, now, names)
    assert due is not None
    return due - now


def test_next_due_is_the_first_future_row_a_claimer_could_take(app: podium.App):
    store, now = app.store, time.time()
    _fill(store, now)  # due rows, and 1,200 rows from now + 60 s on over three priorities
    c = store.connector
    sql = "INSERT INTO podium_workflows (id, workflow, status, queue, priority, created_at, "
    sql += "updated_at, claimable_at, paused_at) VALUES (:id, :workflow, :status, :queue, "
    sql += ":priority, :now, :now, :claimable_at, :paused_at)"

    insert = queries.adapt(c.dialect, sql)
    soon = [
        _row("paused-soon", now, claimable_at=now + 5, paused_at=now),
        _row("theirs-soon", now, claimable_at=now + 6, workflow="theirs"),
        _row("other-soon", now, claimable_at=now + 7, queue="other", priority=2),
        _row("mine-soon", now, claimable_at=now + 8, priority=-3),
    ]
    with c.transaction() as run:
        for row in soon:
            del row["owner"], row["epoch"]
            run(insert, row)

    assert round(_next_due(app, ["default"], now, ["mine"]), 3) == 8.0
    assert round(_next_due(app, ["default"], now, None), 3) == 6.0  # any name
    assert round(_next_due(app, ["default", "other"], now, ["mine"]), 3) == 7.0
    assert round(_next_due(app, ["other"], now, ["mine"]), 3) == 7.0
    assert (
        round(_next_due(app, ["default"], now + 10, ["mine"]), 3) == 51.0
    )  # the first filled row of this queue
    assert store.next_due(["empty"], now, ["mine"]) is None
    assert store.next_due(["default"], now + 10_000, None) is None


def test_an_idle_worker_takes_a_delayed_start_when_it_falls_due(app_factory: AppFactory):
    # A poll interval far longer than the test: only the next-due wake can run it in time.
    app = app_factory(poll_interval=30.0)

    @app.workflow
    def later(x: int) -> int:
        return x + 1

    with app.worker(concurrency=2):
        time.sleep(0.2)  # the worker is idle, waiting for work
        handle = app.start(later, 1, delay=0.5)
        assert handle.result(timeout=20) == 2


def test_an_idle_worker_wakes_a_durable_sleeper_on_time(app_factory: AppFactory):
    app = app_factory(poll_interval=30.0, suspend_grace=0.05)

    @app.workflow
    def nap() -> str:
        podium.sleep(0.5)  # longer than the suspend grace: unloaded, a row with a timer
        return "rested"

    with app.worker(concurrency=2):
        assert app.start(nap).result(timeout=20) == "rested"


def test_the_next_due_plan_seeks_each_level(app: podium.App):
    c, now = app.store.connector, time.time()
    _fill(app.store, now)
    sql = queries.load(c.dialect, "workflows")["next_due"]
    params = {"now": now, "queue": "default", **queries.name_filter(c, ["mine"])}
    if c.dialect == "sqlite":
        plan = " ".join(str(r["detail"]) for r in c.query("EXPLAIN QUERY PLAN " + sql, params))
        assert "(queue=? AND priority=? AND claimable_at>?)" in plan, plan
        assert "SCAN podium_workflows" not in plan and "SCAN w" not in plan, plan
    else:
        plan = " ".join(str(r["QUERY PLAN"]) for r in c.query("EXPLAIN " + sql, params))
        assert "Seq Scan on podium_workflows" not in plan, plan
        assert "(priority = levels.priority) AND (claimable_at >" in plan, plan
