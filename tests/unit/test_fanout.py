"""The pieces of fan-out: step runners, awaitables, stored failures, and the children store."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

import podium
from podium import context, errors, serialization
from podium.patterns import fanout
from podium.store import base, children
from podium.store.sqlite import SQLiteStore

T = 1000.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(str(tmp_path / "fanout.db"))
    yield s
    s.close()


def running(store: base.Store, wf_id: str, owner: str = "me") -> base.Fence:
    """A workflow created claimed by `owner`; its fence."""
    new = base.NewWorkflow(wf_id, "wf", "{}", owner=owner, lease_until=T + 60)
    record, _ = store.create_workflow(new, T)
    return base.Fence(wf_id, owner, record.lease_epoch)


def child(parent: str, seq: int) -> children.NewChild:
    cid = f"{parent}/{seq}"
    return children.NewChild(
        cid, "podium.step:s", "{}", "default", 0, None, seq, "podium.step:s", f'{{"id": "{cid}"}}'
    )


def test_a_step_runner_is_one_workflow_per_step_named_after_it():
    app = podium.App("unit", database_url="sqlite:///:memory:")

    @app.step
    def plain(x: int) -> int:
        return x

    @app.step
    async def coro(x: int) -> int:
        return x

    runner = app.registry.workflows["podium.step:plain"]  # registered by @app.step
    assert fanout.runner_name(plain) == runner.name == "podium.step:plain"
    fanout.register_runner(app.registry, plain)  # again: the same runner stays
    assert app.registry.workflows["podium.step:plain"] is runner
    assert not runner.is_async
    assert app.registry.workflows["podium.step:coro"].is_async


def test_ready_is_an_awaitable_of_its_value():
    async def main() -> object:
        return await context.Ready([1, 2])

    assert asyncio.run(main()) == [1, 2]


def test_a_stored_step_failure_raises_the_original_class_when_imported():
    info = {"type": "ValueError", "module": "builtins", "message": "bad"}
    with pytest.raises(ValueError, match="bad"):
        fanout._raise({"kind": "step", "id": "p/0", "step": "s", "error": info})
    unknown = {"type": "Gone", "module": "not.imported", "message": "lost"}
    with pytest.raises(errors.StepFailed, match="Gone: lost"):
        fanout._raise({"kind": "step", "id": "p/0", "step": "s", "error": unknown})


def test_stored_workflow_failures_and_cancellations_raise_podium_errors():
    failure = {"kind": "workflow", "id": "p/1", "type": "KeyError", "message": "k"}
    with pytest.raises(podium.WorkflowFailed) as caught:
        fanout._raise(failure)
    assert (caught.value.workflow_id, caught.value.error_type) == ("p/1", "KeyError")
    with pytest.raises(podium.WorkflowCancelled):
        fanout._raise({"kind": "cancelled", "id": "p/2"})


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3"])
def test_max_concurrency_must_be_a_positive_int(bad: object):
    with podium.App("unit", database_url="sqlite:///:memory:") as app:

        @app.step
        def echo(x: int) -> int:
            return x

        @app.workflow
        def fan() -> object:
            return podium.map(echo, [1, 2], max_concurrency=bad)  # type: ignore[arg-type]

        with pytest.raises(podium.WorkflowFailed, match="max_concurrency") as failed:
            app.run(fan)
        assert failed.value.error_type == "ConfigurationError"


def test_create_makes_children_and_positions_once(store: SQLiteStore):
    fence = running(store, "p")
    kids = children.Children(store.connector)
    kids.create(fence, [child("p", 0), child("p", 1)], T)
    kids.create(fence, [child("p", 0)], T + 1)  # a replay creating it again: nothing changes
    records = [store.get_workflow(f"p/{i}") for i in (0, 1)]
    assert [(r.status, r.parent_id, r.created_at) for r in records if r] == [
        ("pending", "p", T),
        ("pending", "p", T),
    ]
    history = store.load_history("p")
    assert [(e.seq, e.kind, serialization.loads(e.payload)) for e in history] == [
        (0, "child", {"id": "p/0"}),
        (1, "child", {"id": "p/1"}),
    ]


def test_create_under_a_lost_lease_writes_nothing(store: SQLiteStore):
    fence = running(store, "p")
    store.cancel("p", T)
    with pytest.raises(errors.LeaseLost):
        children.Children(store.connector).create(fence, [child("p", 0)], T)
    assert store.get_workflow("p/0") is None
    assert store.load_history("p") == []


def test_a_parent_is_due_a_wake_once_few_enough_children_are_open(store: SQLiteStore):
    fence = running(store, "p")
    kids = children.Children(store.connector)
    kids.create(fence, [child("p", i) for i in range(3)], T)
    assert not kids.wake_due("p")  # it waits for nothing
    kids.set_wait("p", 1)
    assert kids.open_count("p") == 3
    assert not kids.wake_due("p")
    store.cancel("p/0", T)
    assert not kids.wake_due("p")
    store.cancel("p/1", T)
    assert kids.wake_due("p")
    kids.clear_wait("p")
    assert not kids.wake_due("p")


def test_states_report_each_existing_child(store: SQLiteStore):
    fence = running(store, "p")
    kids = children.Children(store.connector)
    kids.create(fence, [child("p", 0)], T)
    states = kids.states(["p/0", "missing"])
    assert list(states) == ["p/0"]
    assert states["p/0"].open and states["p/0"].workflow == "podium.step:s"


def test_cancel_descendants_reaches_grandchildren_and_spares_finished_ones(store: SQLiteStore):
    fence = running(store, "p")
    kids = children.Children(store.connector)
    kids.create(fence, [child("p", 0), child("p", 1)], T)
    claim = store.claim_one("p/0", "w", T, 30)
    assert claim is not None
    kids.create(claim.fence, [child("p/0", 0)], T)
    store.cancel("p/1", T)  # already finished (cancelled) before the cascade
    assert kids.cancel_descendants("p", T + 5) == 2
    for wf_id in ("p/0", "p/0/0"):
        record = store.get_workflow(wf_id)
        assert record is not None and record.status == "cancelled"
        assert record.error_message == "cancelled with its parent"
    assert kids.ready_descendants("p", T + 10, 10) == []


def test_ready_descendants_lists_claimable_ones_oldest_first(store: SQLiteStore):
    fence = running(store, "p")
    kids = children.Children(store.connector)
    kids.create(fence, [child("p", 0), child("p", 1)], T)
    assert sorted(kids.ready_descendants("p", T, 10)) == ["p/0", "p/1"]
    assert kids.ready_descendants("p", T - 1, 10) == []
    assert len(kids.ready_descendants("p", T, 1)) == 1


def test_cancel_takes_the_unfinished_children_along(store: SQLiteStore):
    fence = running(store, "p")
    children.Children(store.connector).create(fence, [child("p", 0)], T)
    record = children.cancel(store, "p", T + 1)
    assert record is not None and record.status == "cancelled"
    child_record = store.get_workflow("p/0")
    assert child_record is not None and child_record.status == "cancelled"
    assert children.cancel(store, "missing", T) is None


def test_cancelling_a_child_wakes_a_parent_waiting_for_it(store: SQLiteStore):
    fence = running(store, "p")
    kids = children.Children(store.connector)
    kids.create(fence, [child("p", 0)], T)
    kids.set_wait("p", 0)
    store.suspend(fence, None, T)
    children.cancel(store, "p/0", T + 2)
    parent = store.get_workflow("p")
    assert parent is not None and parent.status == "waiting" and parent.ready_at == T + 2


def test_open_among_counts_the_distinct_unfinished_children_named(store: SQLiteStore):
    fence = running(store, "p")
    kids = children.Children(store.connector)
    kids.create(fence, [child("p", i) for i in range(3)], T)
    store.cancel("p/0", T)
    assert kids.open_among(["p/0", "p/1", "p/2"]) == 2
    assert kids.open_among(["p/0"]) == 0
    assert kids.open_among(["p/1", "missing"]) == 1


def test_claims_made_at_once_share_a_statement_and_each_gets_its_own(store: SQLiteStore):
    """Threads of one worker claiming at once: every ready child is claimed exactly once."""
    import threading

    fence = running(store, "p")
    children.Children(store.connector).create(fence, [child("p", i) for i in range(40)], T)
    start = threading.Barrier(8)
    got: list[list[str]] = []

    def claimer() -> None:
        start.wait(30)
        mine: list[str] = []
        while claims := store.claim("w", ["default"], 1, T + 1, 30):
            assert len(claims) == 1
            mine.append(claims[0].record.id)
        got.append(mine)

    threads = [threading.Thread(target=claimer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    claimed = [wf_id for mine in got for wf_id in mine]
    assert sorted(claimed) == sorted(f"p/{i}" for i in range(40))
