"""Durable execution: completed steps are served from history when a workflow is re-run."""

import collections

import podium

from .conftest import Waiter


def history_of(app: podium.App, workflow_id: str) -> list[tuple[str, str, str]]:
    return [(e.kind, e.name, e.status) for e in app.store.load_history(workflow_id)]


def test_completed_steps_do_not_run_again_after_a_suspension(app: podium.App):
    calls: collections.Counter[str] = collections.Counter()

    @app.step
    def first() -> str:
        calls["first"] += 1
        return "a"

    @app.step
    def second(value: str) -> str:
        calls["second"] += 1
        return value + "b"

    @app.workflow
    def pipeline() -> str:
        value = first()
        podium.sleep(0.4)  # longer than suspend_grace: unloaded, then re-run from the top
        return second(value)

    assert app.run(pipeline, id="cp") == "ab"
    assert calls == {"first": 1, "second": 1}
    record = app.store.get_workflow("cp")
    assert record is not None
    assert record.runs == 2
    assert history_of(app, "cp") == [
        ("step", "first", "completed"),
        ("sleep", "sleep", "scheduled"),
        ("step", "second", "completed"),
    ]


def test_async_workflow_checkpoints_too(app: podium.App):
    calls: collections.Counter[str] = collections.Counter()

    @app.step
    async def fetch(n: int) -> int:
        calls["fetch"] += 1
        return n * 10

    @app.workflow
    async def pipeline(n: int) -> int:
        value = await fetch(n)
        await podium.sleep(0.4)
        return int(value) + int(await fetch(n + 1))

    assert app.run(pipeline, 1, id="acp") == 30
    assert calls == {"fetch": 2}
    record = app.store.get_workflow("acp")
    assert record is not None and record.runs == 2


def test_worker_resumes_a_suspended_workflow(app: podium.App, wait_until: Waiter):
    calls: collections.Counter[str] = collections.Counter()

    @app.step
    def tick(n: int) -> int:
        calls[f"tick{n}"] += 1
        return n

    @app.workflow
    def ticker() -> list[int]:
        done = [tick(1)]
        podium.sleep(0.3)
        done.append(tick(2))
        return done

    handle = app.start(ticker)
    with app.worker(concurrency=2):
        assert handle.result(timeout=10) == [1, 2]
    assert calls == {"tick1": 1, "tick2": 1}


def test_step_results_come_back_as_stored(app: podium.App):
    """A step's value is what the store returns, on the first run as on replays."""

    @app.step
    def pair() -> tuple[int, int]:
        return (1, 2)

    @app.workflow
    def wf() -> list[object]:
        first = pair()
        podium.sleep(0.3)
        return [first, pair()]

    assert app.run(wf) == [[1, 2], [1, 2]]
