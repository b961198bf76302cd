"""Workers: parallelism, freeing threads on long waits, clean stops, and claim order."""

import asyncio
import threading

import pytest

import podium

from .conftest import Waiter


class Gauge:
    """Counts steps in flight and remembers the most at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc_info: object) -> None:
        with self.lock:
            self.now -= 1


def test_concurrency_runs_workflows_in_parallel_up_to_the_limit(app: podium.App):
    limit = 3
    gauge = Gauge()
    together = threading.Barrier(limit, timeout=10)  # breaks unless `limit` run at once

    @app.step
    def work(n: int) -> int:
        with gauge:
            together.wait()
        return n

    @app.workflow
    def job(n: int) -> int:
        return int(work(n))

    handles = [app.start(job, n) for n in range(2 * limit)]
    with app.worker(concurrency=limit):
        assert [h.result(timeout=20) for h in handles] == list(range(2 * limit))
    assert gauge.peak == limit


def test_async_workflows_with_async_steps_interleave(app: podium.App):
    gauge = Gauge()

    @app.step
    async def work(n: int) -> int:
        with gauge:
            for _ in range(2000):  # rendezvous: both steps are in flight at once
                if gauge.peak == 2:
                    break
                await asyncio.sleep(0.005)
        return n

    @app.workflow
    async def job(n: int) -> int:
        return int(await work(n))

    handles = [app.start(job, n) for n in range(2)]
    with app.worker(concurrency=2):
        assert [h.result(timeout=20) for h in handles] == [0, 1]
    assert gauge.peak == 2


def test_long_sleep_frees_the_worker_thread(app: podium.App, wait_until: Waiter):
    @app.workflow
    def sleeper() -> None:
        podium.sleep(3600)

    @app.workflow
    def quick() -> str:
        return "done"

    sleeping = app.start(sleeper)
    with app.worker(concurrency=1):
        wait_until(lambda: sleeping.status() == "waiting", what="the sleeper to suspend")
        assert app.start(quick).result(timeout=10) == "done"
        assert sleeping.status() == "waiting"
    record = app.store.get_workflow(sleeping.id)
    assert record is not None and record.lease_owner is None


def test_worker_exit_hands_back_in_flight_workflows(app: podium.App, wait_until: Waiter):
    entered = threading.Semaphore(0)
    go = threading.Event()
    ran: list[str] = []

    @app.step
    def first(n: int) -> int:
        entered.release()
        go.wait(10)
        ran.append(f"first-{n}")
        return n

    @app.step
    def second(n: int) -> int:
        ran.append(f"second-{n}")
        return n

    @app.workflow
    def job(n: int) -> int:
        return int(second(first(n)))

    handles = [app.start(job, n) for n in range(2)]
    with app.worker(concurrency=2) as worker:
        for _ in handles:
            assert entered.acquire(timeout=10)

        def unblock_once_stopping() -> None:
            # White box: the steps finish only after the worker began to stop.
            wait_until(worker._releasing.is_set, what="the worker to stop")
            go.set()

        threading.Thread(target=unblock_once_stopping, daemon=True).start()
    assert sorted(ran) == ["first-0", "first-1"]
    for handle in handles:
        record = app.store.get_workflow(handle.id)
        assert record is not None
        assert record.status in ("pending", "waiting")
        assert record.lease_owner is None
    with app.worker(concurrency=2):
        assert [h.result(timeout=10) for h in handles] == [0, 1]
    assert sorted(ran) == ["first-0", "first-1", "second-0", "second-1"]


def test_priority_orders_claiming(app: podium.App):
    order: list[str] = []

    @app.workflow
    def job(name: str) -> None:
        order.append(name)

    handles = [
        app.start(job, "low-1", priority=0),
        app.start(job, "high", priority=10),
        app.start(job, "low-2", priority=0),
        app.start(job, "mid", priority=5),
    ]
    with app.worker(concurrency=1):
        for handle in handles:
            handle.result(timeout=10)
    assert order == ["high", "mid", "low-1", "low-2"]


def test_worker_serves_only_its_queues(app: podium.App, wait_until: Waiter):
    @app.workflow(queue="emails")
    def email() -> str:
        return "sent"

    @app.workflow
    def job() -> str:
        return "done"

    mail = app.start(email)
    with app.worker(queues=["default"]):
        assert app.start(job).result(timeout=10) == "done"
        assert mail.status() == "pending"
    with app.worker(queues=["emails"]):
        assert mail.result(timeout=10) == "sent"


def test_worker_options_are_validated(app: podium.App):
    with pytest.raises(podium.ConfigurationError, match="concurrency"):
        app.worker(concurrency=0)
    with pytest.raises(podium.ConfigurationError, match="queues"):
        app.worker(queues=[])


def test_worker_without_queues_serves_default_and_every_declared_queue(app: podium.App):
    app.queue("scan", concurrency=2)
    app.queue("bulk")

    @app.workflow
    def scan(n: int) -> int:
        return n * 2

    @app.workflow(queue="emails")
    def email() -> str:
        return "sent"

    handles = [app.start(scan, 1, queue="scan"), app.start(scan, 2, queue="bulk")]
    handles += [app.start(scan, 3), app.start(email)]
    with app.worker() as w:
        assert w.queues == ["default", "scan", "bulk", "emails"]
        assert [h.result(timeout=10) for h in handles] == [2, 4, 6, "sent"]


def test_worker_with_queues_serves_only_those(app: podium.App):
    app.queue("scan")
    assert app.worker(queues=["scan"]).queues == ["scan"]
