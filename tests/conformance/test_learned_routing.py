"""Learned routing: lanes learn from workflow outcomes, across processes and restarts."""

import time

import pytest

import podium
from podium import errors
from podium.patterns import learning, routing
from podium.store import routes as route_store

pytest.importorskip("numpy")
from podium.intelligence import BanditRouter

POOLS = {"a": "pool-a", "b": "pool-b"}


def worker_pool(app: podium.App, fails_per_ten: int) -> podium.App:
    """An app whose `serve` step fails for `fails_per_ten` of every ten item numbers."""

    @app.step(retry=podium.RetryPolicy(max_attempts=1))
    def serve(n: int) -> int:
        if n % 10 < fails_per_ten:
            raise ConnectionError("this pool dropped the item")
        return n

    @app.workflow
    def item(n: int) -> int:
        return serve(n)

    return app


def learned(app: podium.App) -> routing.Router:
    return app.router("pools", score=BanditRouter(["a", "b"], seed=3), queue_of=POOLS)


def wait_all(app: podium.App, ids: list[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    for workflow_id in ids:
        while app.get(workflow_id).status() not in ("completed", "failed"):
            assert time.monotonic() < deadline, f"{workflow_id} did not end"
            time.sleep(0.01)


def test_traffic_shifts_to_the_lane_whose_workflows_fail_less(app_factory, monkeypatch):
    monkeypatch.setattr(learning, "SYNC_SECONDS", 0.0)
    bad = worker_pool(app_factory(), fails_per_ten=7)  # pool a: 70% of items fail
    good = worker_pool(app_factory(), fails_per_ten=1)  # pool b: 10%
    routers = [learned(bad), learned(good)]  # every process declares the router
    lanes: list[str] = []
    with bad.worker(4, queues=["pool-a"]), good.worker(4, queues=["pool-b"]):
        for batch in range(10):
            ids = []
            for k in range(16):
                n = batch * 16 + k
                handle = routers[0].start("item", n, id=f"item-{n}")
                lanes.append(bad.search_attributes(handle.id)["lane"])
                ids.append(handle.id)
            wait_all(bad, ids)
    first, last = lanes[:32], lanes[-48:]
    assert "a" in first and "b" in first  # both lanes were tried
    assert last.count("b") >= 0.75 * len(last), last
    book = bad.store.feature(route_store.RouteStore)
    assert len(book.latest("pools", 1000)) == len(lanes)  # one outcome per workflow


def test_a_restarted_process_keeps_what_was_learned_and_outcomes_are_recorded_once(
    app_factory, monkeypatch
):
    monkeypatch.setattr(learning, "SYNC_SECONDS", 0.0)
    app = worker_pool(app_factory(), fails_per_ten=0)
    router = learned(app)
    book = app.store.feature(route_store.RouteStore)
    now = app.runtime.clock.time()
    for n in range(30):
        book.record("pools", f"old-{n}", "a" if n % 2 else "b", 1.0 if n % 2 else 0.0, now)
    assert not book.record("pools", "old-1", "a", 0.0, now)  # the first outcome stays
    again = worker_pool(app_factory(), fails_per_ten=0)  # a restarted process
    other = learned(again)
    assert other.chooser is not None
    other.route()
    expected = other.chooser.bandit.expected()  # type: ignore[attr-defined]
    assert expected["a"] > 0.8 and expected["b"] < 0.2
    assert other.chooser.folded == 30  # type: ignore[attr-defined]
    handle = router.start("item", 1, id="x-1")
    with app.worker(2):
        wait_all(app, [handle.id])
        app.get(handle.id).result(timeout=10)
    rows = [o for o in book.latest("pools", 100) if o.workflow_id == "x-1"]
    assert len(rows) == 1 and rows[0].reward > 0.5


def test_bad_learned_router_settings_name_the_fix(app_factory):
    app = app_factory()
    with pytest.raises(errors.ConfigurationError, match="reward= is for a learned router"):
        app.router("r", score=lambda t: 0.0, lanes={"x": (0.0, 1.0)}, reward=lambda s, t: 1.0)
    with pytest.raises(errors.ConfigurationError, match="options"):
        app.router("r", score=BanditRouter(["a", "b"]), lanes=["a", "c"])
    with pytest.raises(errors.ConfigurationError, match="unknown lanes"):
        app.router("r", score=BanditRouter(["a", "b"]), queue_of={"z": "q"})
    with pytest.raises(errors.ConfigurationError, match="reward="):
        app.router("r", score=BanditRouter(["a"]), reward=3)
