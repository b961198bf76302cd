"""Fan-out / fan-in through the engine: step.submit, podium.gather and podium.map."""

import threading

import pytest

import podium
from podium import serialization

from .conftest import AppFactory, Waiter


class Boom(Exception):
    """The error a failing child step raises."""


def children_of(app: podium.App, parent_id: str) -> list[tuple[str, str, str, str]]:
    """(id, workflow, status, queue) of every child of `parent_id`, by id."""
    rows = app.store.connector.query(
        "SELECT id, workflow, status, queue FROM podium_workflows WHERE parent_id = "
        + (":p" if app.store.connector.dialect == "sqlite" else "%(p)s")
        + " ORDER BY id",
        {"p": parent_id},
    )
    return [(r["id"], r["workflow"], r["status"], r["queue"]) for r in rows]


def test_submit_and_gather_return_results_in_order(app: podium.App):
    @app.step
    def square(x: int) -> int:
        return x * x

    @app.workflow
    def fan(n: int) -> list[int]:
        futures = [square.submit(i) for i in range(n)]
        return podium.gather(*futures)  # type: ignore[no-any-return]

    with app.worker(concurrency=4):
        assert app.start(fan, 12, id="f1").result(timeout=30) == [i * i for i in range(12)]
    kids = children_of(app, "f1")
    assert [k[0] for k in kids] == sorted(f"f1/{seq}" for seq in range(12))
    assert {k[1] for k in kids} == {"podium.step:square"}
    assert {k[2] for k in kids} == {"completed"}
    kinds = [(e.seq, e.kind, e.status) for e in app.store.load_history("f1")]
    assert kinds == [(s, "child", "completed") for s in range(12)] + [(12, "gather", "completed")]


def test_a_crash_right_after_a_childs_end_does_not_delay_the_gather(app: podium.App):
    """Issue 16 defect 2: the parent's wake-up commits with the child's end.

    The run listeners (fan-out's `ParentWaker` among them) never run here, as if the worker
    died right after storing each child's end: the gather must not wait for its minute-long
    fallback poll.
    """

    @app.step
    def square(x: int) -> int:
        return x * x

    @app.workflow
    def fan(n: int) -> list[int]:
        return podium.gather(*[square.submit(i) for i in range(n)])  # type: ignore[no-any-return]

    app.runtime.hooks.run_listeners.clear()  # "killed" after every commit of a run's end
    with app.worker(concurrency=4):
        assert app.start(fan, 3, id="crashy").result(timeout=15) == [0, 1, 4]


def test_app_run_runs_the_children_in_this_process(app: podium.App):
    @app.step
    def double(x: int) -> int:
        return 2 * x

    @app.workflow
    def fan(n: int) -> int:
        return sum(podium.gather(*[double.submit(i) for i in range(n)]))

    assert app.run(fan, 10, id="inline") == 90
    assert app.get("inline").status() == "completed"


def test_the_parent_holds_no_thread_while_it_waits(app: podium.App, wait_until: Waiter):
    go = threading.Event()

    @app.step
    def slow(x: int) -> int:
        go.wait(10)
        return x

    @app.workflow
    def fan() -> list[int]:
        return podium.gather(slow.submit(1), slow.submit(2))  # type: ignore[no-any-return]

    # Two worker threads: were the parent holding one, only one child could run at a time.
    with app.worker(concurrency=2) as worker:
        handle = app.start(fan, id="nothread")
        wait_until(lambda: handle.status() == "waiting", what="the parent to suspend")
        wait_until(lambda: worker.active == 2, what="both children to run at once")
        go.set()
        assert handle.result(timeout=30) == [1, 2]


def test_a_failed_child_raises_its_step_error_at_the_gather(app: podium.App):
    @app.step
    def check(x: int) -> int:
        if x == 3:
            raise Boom(f"bad item {x}")
        return x

    @app.workflow
    def fan() -> str:
        futures = [check.submit(i) for i in range(5)]
        try:
            podium.gather(*futures)
        except Boom as exc:
            return f"caught {type(exc).__name__}: {exc}"
        return "no error"

    @app.workflow
    def uncaught() -> list[int]:
        return podium.gather(check.submit(1), check.submit(3))  # type: ignore[no-any-return]

    with app.worker(concurrency=4):
        assert app.start(fan, id="fail1").result(timeout=30) == "caught Boom: bad item 3"
        with pytest.raises(podium.WorkflowFailed) as caught:
            app.start(uncaught, id="fail2").result(timeout=30)
    assert caught.value.error_type == "Boom"
    assert caught.value.message == "bad item 3"
    gathered = [e for e in app.store.load_history("fail2") if e.kind == "gather"]
    assert [e.status for e in gathered] == ["failed"]


def test_the_gathered_results_replay_without_reading_the_children(app: podium.App):
    @app.step
    def plus(x: int) -> int:
        return x + 100

    @app.workflow
    def fan() -> list[int]:
        results = podium.gather(plus.submit(1), plus.submit(2))
        podium.sleep(0.5)  # longer than suspend_grace: the parent is unloaded and replayed
        return results  # type: ignore[no-any-return]

    with app.worker(concurrency=2):
        handle = app.start(fan, id="replay")
        # Once the gather is recorded, the children may vanish: the replay reads the history.
        conn = app.store.connector
        param = ":p" if conn.dialect == "sqlite" else "%(p)s"
        deadline_ok = False
        for _ in range(2000):
            if any(e.kind == "gather" for e in app.store.load_history("replay")):
                conn.execute(
                    f"DELETE FROM podium_workflows WHERE parent_id = {param}", {"p": "replay"}
                )
                deadline_ok = True
                break
            threading.Event().wait(0.005)
        assert deadline_ok, "the gather was never recorded"
        assert handle.result(timeout=30) == [101, 102]
    assert children_of(app, "replay") == []


def test_map_keeps_at_most_max_concurrency_children_open(app: podium.App):
    lock = threading.Lock()
    running = [0]
    peak = [0]

    @app.step
    def work(x: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        threading.Event().wait(0.02)
        with lock:
            running[0] -= 1
        return x * 10

    @app.workflow
    def mapped(n: int) -> list[int]:
        return podium.map(work, range(n), max_concurrency=3)  # type: ignore[no-any-return]

    with app.worker(concurrency=8):
        assert app.start(mapped, 10, id="m1").result(timeout=30) == [x * 10 for x in range(10)]
    assert 1 <= peak[0] <= 3
    history = app.store.load_history("m1")
    assert sum(e.kind == "child" for e in history) == 10
    assert sum(e.kind == "map" for e in history) >= 3  # waited for room at least 7 / 3 times
    for event in (e for e in history if e.kind == "map"):
        assert serialization.loads(event.payload)["done"], "each window wait saw an end"


def test_map_without_a_limit_and_with_nothing(app: podium.App):
    @app.step
    def neg(x: int) -> int:
        return -x

    @app.workflow
    def mapped(items: list[int]) -> list[int]:
        return podium.map(neg, items)  # type: ignore[no-any-return]

    assert app.run(mapped, [1, 2, 3]) == [-1, -2, -3]
    assert app.run(mapped, []) == []


def test_map_stops_submitting_after_a_failure(app: podium.App):
    @app.step
    def fragile(x: int) -> int:
        if x == 0:
            raise Boom("first item fails")
        return x

    @app.workflow
    def mapped() -> list[int]:
        return podium.map(fragile, range(20), max_concurrency=2)  # type: ignore[no-any-return]

    with app.worker(concurrency=1):
        with pytest.raises(podium.WorkflowFailed) as caught:
            app.start(mapped, id="mfail").result(timeout=30)
    assert caught.value.error_type == "Boom"
    assert len(children_of(app, "mfail")) < 20


def test_children_use_the_parents_queue_or_the_one_given(app_factory: AppFactory):
    app = app_factory()

    @app.step
    def ident(x: int) -> int:
        return x

    @app.workflow(queue="jobs")
    def fan() -> list[int]:
        first = podium.gather(ident.submit(1))
        return first + podium.map(ident, [2], queue="side")  # type: ignore[no-any-return]

    with app.worker(queues=["jobs", "side"]):
        assert app.start(fan, id="q").result(timeout=30) == [1, 2]
    assert [k[3] for k in children_of(app, "q")] == ["jobs", "side"]


def test_another_app_process_runs_the_children(app_factory: AppFactory):
    parent_app, worker_app = app_factory("parent"), app_factory("children")
    for app in (parent_app, worker_app):

        @app.step(name="triple")
        def triple(x: int) -> int:
            return 3 * x

        @app.workflow(name="fan")
        def fan(n: int) -> int:
            return sum(podium.gather(*[triple.submit(i) for i in range(n)]))

    with parent_app.worker(concurrency=1), worker_app.worker(concurrency=4):
        assert parent_app.start("fan", 20, id="two").result(timeout=30) == 3 * 190


def test_async_workflows_await_gather_and_map(app: podium.App):
    @app.step
    async def aplus(x: int) -> int:
        return x + 1

    @app.step
    def plus(x: int) -> int:
        return x + 1

    @app.workflow
    async def afan() -> list[int]:
        gathered = await podium.gather(aplus.submit(1), plus.submit(2))
        mapped = await podium.map(aplus, [10, 20], max_concurrency=1)
        one = await aplus.submit(99).result()
        return [*gathered, *mapped, one]

    with app.worker(concurrency=4):
        assert app.start(afan, id="async").result(timeout=30) == [2, 3, 11, 21, 100]


def test_a_submitted_step_retries_with_its_policy(app: podium.App):
    failures = [0]

    @app.step(retry=podium.RetryPolicy(max_attempts=3, initial_delay=0.01, jitter=False))
    def flaky(x: int) -> int:
        if failures[0] < 2:
            failures[0] += 1
            raise Boom("not yet")
        return x

    @app.workflow
    def fan() -> list[int]:
        return podium.gather(flaky.submit(7))  # type: ignore[no-any-return]

    with app.worker():
        assert app.start(fan, id="retry").result(timeout=30) == [7]
    assert [a.attempt for a in app.store.load_attempts("retry/0")] == [1, 2]


def test_fanout_helpers_refuse_to_run_outside_a_workflow(app: podium.App):
    @app.step
    def ident(x: int) -> int:
        return x

    with pytest.raises(podium.PodiumError, match="outside a workflow"):
        ident.submit(1)
    with pytest.raises(podium.PodiumError, match="outside a workflow"):
        podium.gather()
    with pytest.raises(podium.PodiumError, match="outside a workflow"):
        podium.map(ident, [1])


def test_gather_rejects_what_is_not_a_future(app: podium.App):
    @app.step
    def ident(x: int) -> int:
        return x

    @app.workflow
    def wrong() -> None:
        podium.gather([ident.submit(1)])  # type: ignore[arg-type]

    with pytest.raises(podium.WorkflowFailed, match=r"gather\(\*futures\)"):
        app.run(wrong)


def test_a_gather_records_the_positions_it_joined(app: podium.App):
    @app.step
    def plus(x: int) -> int:
        return x + 100

    @app.workflow
    def joins() -> list[int]:
        first = plus.submit(1)
        podium.sleep(0)  # a durable point between the two fan-outs
        second = plus.submit(2)
        return podium.gather(second, first)  # type: ignore[no-any-return]

    with app.worker(concurrency=2):
        assert app.start(joins, id="joins").result(timeout=30) == [102, 101]
    gathered = [e for e in app.store.load_history("joins") if e.kind == "gather"]
    assert [serialization.loads(e.payload) for e in gathered] == [
        {"joined": [2, 0], "results": [102, 101]}
    ]


def test_a_gather_recorded_as_a_bare_list_still_replays(app: podium.App):
    """A history written before gathers named their children: the results alone."""

    @app.step
    def plus(x: int) -> int:
        return x + 100

    @app.workflow
    def older() -> list[int]:
        results = podium.gather(plus.submit(1), plus.submit(2))
        podium.sleep(0.5)  # longer than suspend_grace: the parent is unloaded and replayed
        return results  # type: ignore[no-any-return]

    conn = app.store.connector
    param = (lambda n: f":{n}") if conn.dialect == "sqlite" else (lambda n: f"%({n})s")
    with app.worker(concurrency=2):
        handle = app.start(older, id="older")
        for _ in range(2000):
            if any(e.kind == "gather" for e in app.store.load_history("older")):
                break
            threading.Event().wait(0.005)
        conn.execute(
            f"UPDATE podium_history SET payload = {param('p')} "
            f"WHERE workflow_id = {param('w')} AND kind = 'gather'",
            {"p": "[7, 8]", "w": "older"},
        )
        assert handle.result(timeout=30) == [7, 8]  # read back from the rewritten record
