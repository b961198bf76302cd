"""Queue-based load leveling on every store: limits enforced in the claim, cluster-wide."""

import threading
import time

import pytest

import podium
from podium.clock import FakeClock
from podium.store import base
from tests.conformance.conftest import AppFactory, Waiter

LEASE = 30.0


def finish(store, claim, now):
    store.finish(claim.fence, base.Outcome("completed", "null"), now)


def max_overlap(intervals):
    """The most intervals open at one instant (an end at t comes before a start at t)."""
    points = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    best = current = 0
    for _, delta in points:
        current += delta
        best = max(best, current)
    return best


def step_intervals(store, workflow_ids):
    """[started_at, finished_at] of every completed step of the given workflows."""
    found = []
    for wf_id in workflow_ids:
        for event in store.load_history(wf_id):
            if event.kind == "step" and event.status == "completed":
                found.append((event.started_at, event.finished_at))
    return found


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def qapp(app_factory: AppFactory, clock: FakeClock) -> podium.App:
    app = app_factory(clock=clock)

    @app.workflow(queue="q")
    def job(n: int) -> int:
        return n

    return app


def test_concurrency_caps_running_workflows(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", concurrency=2)
    ids = [qapp.start("job", i).id for i in range(5)]
    store, now = qapp.store, clock.time()
    first = store.claim("w1", ["q"], 10, now, LEASE)
    assert [c.record.id for c in first] == ids[:2]
    assert store.claim("w2", ["q"], 10, now, LEASE) == []
    finish(store, first[0], now)
    again = store.claim("w2", ["q"], 10, now, LEASE)
    assert [c.record.id for c in again] == [ids[2]]


def test_per_key_concurrency_runs_one_per_key(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", per_key_concurrency=1)
    a1 = qapp.start("job", 1, key="A").id
    qapp.start("job", 2, key="A")
    b1 = qapp.start("job", 3, key="B").id
    plain = qapp.start("job", 4).id
    store, now = qapp.store, clock.time()
    claimed = store.claim("w", ["q"], 10, now, LEASE)
    assert [c.record.id for c in claimed] == [a1, b1, plain]
    assert store.claim("w", ["q"], 10, now, LEASE) == []
    finish(store, claimed[0], now)
    assert [c.record.key for c in store.claim("w", ["q"], 10, now, LEASE)] == ["A"]


def test_rate_limit_caps_starts_per_window(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", rate_limit=(2, 10.0))
    for i in range(5):
        qapp.start("job", i)
    store, t0 = qapp.store, clock.time()
    first = store.claim("w", ["q"], 10, t0, LEASE)
    assert len(first) == 2
    for claim in first:
        finish(store, claim, t0)
    assert store.claim("w", ["q"], 10, t0 + 9.9, LEASE) == []
    assert len(store.claim("w", ["q"], 10, t0 + 10.01, LEASE)) == 2


def test_rate_limit_does_not_count_resumed_runs(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", rate_limit=(1, 60.0))
    wf_id = qapp.start("job", 1).id
    qapp.start("job", 2)
    store, now = qapp.store, clock.time()
    (claim,) = store.claim("w", ["q"], 10, now, LEASE)
    store.suspend(claim.fence, now + 1, now)  # a timer: the same workflow runs again later
    again = store.claim("w", ["q"], 10, now + 2, LEASE)
    assert [c.record.id for c in again] == [wf_id]


def test_priority_first_then_fifo_in_limited_queue(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", concurrency=10)
    low = qapp.start("job", 1).id
    clock.advance(1)
    high = qapp.start("job", 2, priority=5).id
    clock.advance(1)
    low2 = qapp.start("job", 3).id
    claimed = qapp.store.claim("w", ["q"], 10, clock.time(), LEASE)
    assert [c.record.id for c in claimed] == [high, low, low2]


def test_priority_false_keeps_fifo(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", priority=False)
    first = qapp.start("job", 1).id
    clock.advance(1)
    qapp.start("job", 2, priority=9)
    claimed = qapp.store.claim("w", ["q"], 10, clock.time(), LEASE)
    assert claimed[0].record.id == first
    assert {c.record.priority for c in claimed} == {0}


def test_delay_defers_a_start_durably(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", concurrency=1)
    qapp.start("job", 1, delay=30)
    store = qapp.store
    assert store.claim("w", ["q"], 10, clock.time(), LEASE) == []
    assert len(store.claim("w", ["q"], 10, clock.time() + 30, LEASE)) == 1


def test_max_depth_raises_queue_full_and_writes_nothing(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", max_depth=2)
    qapp.start("job", 1, id="one")
    qapp.start("job", 2, id="two")
    with pytest.raises(podium.QueueFull) as caught:
        qapp.start("job", 3, id="three")
    assert caught.value.queue == "q"
    assert qapp.store.get_workflow("three") is None
    assert qapp.start("job", 1, id="one").id == "one"  # same id: the existing workflow
    qapp.store.claim("w", ["q"], 1, clock.time(), LEASE)  # one leaves the pending backlog
    assert qapp.start("job", 3, id="three").id == "three"


def test_concurrent_starts_never_pass_max_depth(app_factory: AppFactory):
    apps = [app_factory() for _ in range(3)]
    for app in apps:
        app.queue("q", max_depth=25)

        @app.workflow(queue="q")
        def job(n: int) -> int:
            return n

    stored, full = [], []

    def burst(app, offset):
        for i in range(20):
            try:
                stored.append(app.start("job", offset + i).id)
            except podium.QueueFull:
                full.append(offset + i)

    threads = [threading.Thread(target=burst, args=(a, k * 100)) for k, a in enumerate(apps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stored) == 25 and len(full) == 35
    assert len(apps[0].list(limit=1000)) == 25


def test_takeover_keeps_its_slot(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", concurrency=1)
    wf_id = qapp.start("job", 1).id
    qapp.start("job", 2)
    store, now = qapp.store, clock.time()
    assert len(store.claim("dead", ["q"], 10, now, 5.0)) == 1
    assert store.claim("w", ["q"], 10, now + 1, LEASE) == []  # slot held by a live lease
    taken = store.claim("w", ["q"], 10, now + 6, LEASE)  # the lease expired
    assert [(c.record.id, c.takeover) for c in taken] == [(wf_id, True)]


def test_unlimited_queues_ignore_other_queues_limits(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", concurrency=1)

    @qapp.workflow(queue="free")
    def free(n: int) -> int:
        return n

    for i in range(3):
        qapp.start("job", i)
        qapp.start(free, i)
    claimed = qapp.store.claim("w", ["free", "q"], 10, clock.time(), LEASE)
    assert sorted(c.record.queue for c in claimed) == ["free", "free", "free", "q"]


def test_app_run_goes_through_the_queue_limits(app_factory: AppFactory):
    app = app_factory()
    app.queue("q", concurrency=1)

    @app.workflow(queue="q")
    def job(n: int) -> int:
        return n * 2

    blocker = app.start(job, 0)
    (claim,) = app.store.claim("other", ["q"], 10, time.time(), LEASE)
    assert claim.record.id == blocker.id
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(app.run(job, 21)))
    runner.start()
    time.sleep(0.2)
    assert result == []  # the only slot is taken
    finish(app.store, claim, time.time())
    runner.join(timeout=10)
    assert result == [42]


def test_queue_stats(qapp: podium.App, clock: FakeClock):
    qapp.queue("q", concurrency=1)
    for i in range(3):
        qapp.start("job", i)
    clock.advance(10)
    store, now = qapp.store, clock.time()
    (claim,) = store.claim("w", ["q"], 10, now, LEASE)
    finish(store, claim, now)
    store.claim("w", ["q"], 10, now, LEASE)
    stats = qapp.queue_stats("q")
    assert (stats.depth, stats.running) == (1, 1)
    assert stats.oldest_age == pytest.approx(10.0)
    assert stats.throughput == pytest.approx(1 / 60)
    assert stats.config is not None and stats.config.concurrency == 1
    empty = qapp.queue_stats("nothing")
    assert (empty.depth, empty.running, empty.oldest_age, empty.config) == (0, 0, None, None)


def test_running_never_exceeds_concurrency_under_racing_claims(
    app_factory: AppFactory, wait_until: Waiter
):
    apps = [app_factory() for _ in range(2)]
    for app in apps:
        app.queue("q", concurrency=3)

        @app.workflow(queue="q")
        def job(n: int) -> int:
            return n

    ids = [apps[0].start("job", i).id for i in range(60)]
    seen: list[int] = []
    done = threading.Event()
    store = apps[0].store

    def watch():
        while not done.is_set():
            running = [r for r in store.list_workflows(status="running", limit=100)]
            seen.append(len(running))

    def claimer(app, name):
        while not done.is_set():
            for claim in app.store.claim(name, ["q"], 2, time.time(), LEASE):
                finish(app.store, claim, time.time())

    threads = [threading.Thread(target=watch)]
    threads += [threading.Thread(target=claimer, args=(a, f"w{k}")) for k, a in enumerate(apps * 3)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: store.list_workflows(status="completed", limit=100).__len__() == 60)
    finally:
        done.set()
        for t in threads:
            t.join()
    assert seen and max(seen) <= 3
    assert {r.id for r in store.list_workflows(status="completed", limit=100)} == set(ids)


def test_spike_drains_within_limits_across_workers(app_factory: AppFactory):
    apps = [app_factory() for _ in range(3)]
    for app in apps:
        app.queue("scan", concurrency=3, per_key_concurrency=2)

        @app.step
        def scan(n: int) -> int:
            time.sleep(0.002)
            return n

        @app.workflow(queue="scan")
        def upload(n: int) -> int:
            return int(scan(n))

    handles = [apps[0].start("upload", i, key=f"user{i % 4}") for i in range(120)]
    workers = [app.worker(concurrency=4, queues=["scan"]) for app in apps]
    for w in workers:
        w.start()
    try:
        results = [h.result(timeout=60) for h in handles]
    finally:
        for w in workers:
            w.stop()
    assert results == list(range(120))
    store = apps[0].store
    intervals = step_intervals(store, [h.id for h in handles])
    assert len(intervals) == 120
    assert max_overlap(intervals) <= 3
    for user in range(4):
        mine = [h.id for i, h in enumerate(handles) if i % 4 == user]
        assert max_overlap(step_intervals(store, mine)) <= 2
