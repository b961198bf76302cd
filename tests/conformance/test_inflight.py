"""Many workflows in flight at once: each is unloaded while it sleeps and all complete.

The smaller functional version of `benchmarks/inflight.py` (10,000 there): sleeping
workflows cost rows, not threads, so a worker of 4 threads carries hundreds of them.
"""

import podium

IN_FLIGHT = 300


def test_hundreds_of_sleeping_workflows_on_four_threads_all_complete(app: podium.App):
    @app.step
    def add(x: int, y: int) -> int:
        return x + y

    @app.workflow
    def nap(x: int) -> int:
        x = add(x, 1)
        podium.sleep(1.0)
        return add(x, 1)

    with app.worker(concurrency=4):
        handles = [app.start(nap, i) for i in range(IN_FLIGHT)]
        results = [h.result(timeout=120) for h in handles]
    assert results == [i + 2 for i in range(IN_FLIGHT)]
    for handle in handles:
        record = app.store.get_workflow(handle.id)
        assert record is not None and record.status == "completed"
        # runs >= 2: the sleep unloaded the workflow (its thread went back to the pool) and a
        # later claim replayed it; 300 sleepers never needed 300 threads.
        assert record.runs >= 2, record
