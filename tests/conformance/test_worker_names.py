"""Workers claim only workflows whose names they registered; the rest wait, visibly."""

import logging
import time

import pytest

import podium
from podium.store import base, queries
from podium.store import workers as workers_mod

from .conftest import AppFactory, Waiter


def test_two_apps_on_one_store_never_claim_each_others_work(
    app_factory: AppFactory, caplog: pytest.LogCaptureFixture
):
    shop, scanner = app_factory("shop"), app_factory("scanner")
    for app in (shop, scanner):
        app.queue("limited", concurrency=8)

    @shop.step
    def double(n: int) -> int:
        return n * 2

    @shop.workflow
    def fan(n: int) -> int:
        podium.sleep(0.05)
        return sum(podium.gather(*[double.submit(i) for i in range(n)]))

    @scanner.step
    def triple(n: int) -> int:
        return n * 3

    @scanner.workflow
    def scan(n: int) -> int:
        podium.sleep(0.05)
        return sum(podium.map(triple, list(range(n)), max_concurrency=5))

    began = time.monotonic()
    with caplog.at_level(logging.INFO, logger="podium"):
        with shop.worker(concurrency=4), scanner.worker(concurrency=4):
            fans = [shop.start(fan, 10, queue=q) for q in ("default", "limited") * 3]
            scans = [scanner.start(scan, 10, queue=q) for q in ("default", "limited") * 3]
            assert [h.result(timeout=20) for h in fans] == [90] * 6
            assert [h.result(timeout=20) for h in scans] == [135] * 6
    assert time.monotonic() - began < 20  # one parked workflow alone would take 30 s
    assert not [r for r in caplog.records if "parked" in r.getMessage()]
    everything = shop.store.list_workflows(limit=1000)
    children = [r for r in everything if r.parent_id is not None]
    assert len(children) == 120
    assert all(r.status == "completed" and r.runs == 1 for r in children)


def test_claims_take_only_the_given_workflow_names(app: podium.App):
    store, now = app.store, time.time()
    for name in ("mine", "theirs"):
        store.create_workflow(base.NewWorkflow(id=name, workflow=name, input="{}"), now)
    claimed = store.claim("w", ["default"], 10, now + 1, 5.0, workflows=["mine"])
    assert [c.record.id for c in claimed] == ["mine"]
    assert store.claim("w", ["default"], 10, now + 1, 5.0, workflows=["other"]) == []
    assert store.claim_one("theirs", "w", now + 1, 5.0, workflows=["mine"]) is None
    assert store.claim_one("theirs", "w", now + 1, 5.0) is not None


def test_a_name_matches_only_itself_not_part_of_another(app: podium.App):
    """Names that hold each other (`ab` and `a`, `b`, `abc`) or a NUL never match falsely."""
    store, now = app.store, time.time()
    for name in ("a", "b", "ab", "abc", "b,a"):
        store.create_workflow(base.NewWorkflow(id=name, workflow=name, input="{}"), now)
    for names, expected in (
        (["ab"], ["ab"]),
        (["a", "b"], ["a", "b"]),
        (["a\x00b", "abc"], ["abc"]),
        (["b,a"], ["b,a"]),
        ([], []),
    ):
        claimed = store.claim("w", ["default"], 10, now + 1, 5.0, workflows=names)
        assert sorted(c.record.id for c in claimed) == expected, names
        for c in claimed:
            store.release(c.fence, now)


def claim_plan(c: base.Connector, queues: list[str], *, force_index: bool = True) -> str:
    """The query plan of the plain claim of `queues` by a worker that knows two workflows.

    On PostgreSQL `force_index` turns sequential scans off (a tiny table would choose one).
    """

    keys = [f"q{i}" for i in range(len(queues))]
    listed = queries.adapt(c.dialect, ", ".join(f"(:{key})" for key in keys))
    q = queries.load(c.dialect, "workflows")
    # The statement the store runs: a dialect's own one for a single queue, if it has one.
    single = q.get("claim_queue") if len(queues) == 1 else None
    sql = single or q["claim"].replace("{queue_rows}", listed)
    params = {
        **dict(zip(keys, queues, strict=True)),
        "owner": "w",
        "limit": 16,
        "now": time.time(),
        "lease_until": time.time() + 5,
        **queries.name_filter(c, ["a", "b"]),
        "takeover_grace": 5.0,
    }
    if c.dialect == "sqlite":
        plan = c.query("EXPLAIN QUERY PLAN " + sql.replace("RETURNING *", ""), params)
        return " ".join(str(row["detail"]) for row in plan)
    with c.transaction() as run:
        if force_index:
            run("SET LOCAL enable_seqscan = off", {})
        plan = run("EXPLAIN " + sql, params).rows
    return " ".join(str(row["QUERY PLAN"]) for row in plan)


def test_the_claim_still_walks_the_claim_index(app: podium.App):
    c = app.store.connector
    text = claim_plan(c, ["default", "emails"])
    assert "podium_workflows_ready" in text, text
    one = claim_plan(c, ["default"])
    assert "podium_workflows_ready" in one, one
    if c.dialect == "sqlite":  # each level is a range of the index: its due rows, in order
        assert "(queue=? AND priority=? AND claimable_at" in one, one


def test_a_workflow_no_live_worker_knows_says_so(app: podium.App, wait_until: Waiter):
    @app.workflow
    def known() -> str:
        return "ok"

    store, now = app.store, time.time()
    store.create_workflow(base.NewWorkflow(id="ghost-1", workflow="ghost", input="{}"), now)
    store.create_workflow(
        base.NewWorkflow(id="mail-1", workflow="known", input="{}", queue="mail"), now
    )
    ghost = store.get_workflow("ghost-1")
    assert ghost is not None
    note = workers_mod.worker_note(ghost, store.live_workers(time.time()), time.time())
    assert note is not None and "no live worker knows workflow 'ghost'" in note
    with app.worker(queues=["default"]) as w:
        assert app.start(known).result(timeout=10) == "ok"
        workers = store.live_workers(time.time())
        assert [(x.owner, x.queues) for x in workers] == [(w.owner, ("default",))]
        assert "known" in workers[0].workflows
        ghost, mail = store.get_workflow("ghost-1"), store.get_workflow("mail-1")
        assert ghost is not None and mail is not None
        assert ghost.status == "pending" and ghost.runs == 0
        note = workers_mod.worker_note(ghost, workers, time.time())
        assert note is not None and "'ghost'" in note and "podium worker" in note
        note = workers_mod.worker_note(mail, workers, time.time())
        assert note is not None and "queue 'mail'" in note
    assert store.live_workers(time.time()) == []  # a stopped worker unregisters


def test_the_workers_view_lists_live_and_expired_registrations(app: podium.App):
    from podium.store import browse

    now = time.time()
    old = base.WorkerInfo(
        "host:1:dead", "shop", ("default",), ("fan",), now - 90, now - 60, now - 30
    )
    live = base.WorkerInfo("host:2:live", "scan", ("a", "b"), ("scan",), now - 5, now, now + 30)
    for worker in (old, live):
        app.store.beat_worker(worker, worker.beat_at)
    found = {w.owner: w for w in browse.Browser(app.store).workers()}
    assert found["host:2:live"].queues == ("a", "b") and found["host:2:live"].app == "scan"
    assert found["host:1:dead"].expires_at < now < found["host:2:live"].expires_at
    assert [w.owner for w in app.store.live_workers(now)] == ["host:2:live"]


def test_the_listing_count_follows_the_filters_and_stops_at_its_cap(app: podium.App):
    from podium.store import browse

    @app.workflow
    def idle(n: int) -> int:
        return n

    for n in range(5):
        app.start(idle, n, id=f"count-{n}", queue="a" if n < 3 else "b")
    view = browse.Browser(app.store)
    assert view.count(browse.Filter(), 100) == 5
    assert view.count(browse.Filter(queue="a"), 100) == 3
    assert view.count(browse.Filter(search="COUNT-4"), 100) == 1
    assert view.count(browse.Filter(status="completed"), 100) == 0
    assert view.count(browse.Filter(), 2) == 2
    assert view.count(browse.Filter(top_level=True, created_before=0.0), 100) == 0
