"""Child workflows: podium.start_child, the durable result() wait, and the cancel cascade."""

import pytest

import podium

from .conftest import Waiter


def test_a_child_workflows_result_is_a_durable_wait(app: podium.App):
    @app.step
    def price(item: str) -> int:
        return len(item)

    @app.workflow
    def quote(item: str) -> int:
        return price(item) * 10

    @app.workflow
    def order(items: list[str]) -> int:
        handles = [podium.start_child(quote, item) for item in items]
        return sum(h.result() for h in handles)

    with app.worker(concurrency=2):
        assert app.start(order, ["ab", "cde"], id="o1").result(timeout=30) == 50
    child = app.get("o1/0")
    assert child.info().parent_id == "o1"
    assert child.info().workflow == "quote"
    assert child.result(timeout=5) == 20  # outside a workflow: an ordinary handle
    kinds = [e.kind for e in app.store.load_history("o1")]
    assert kinds == ["child", "child", "gather", "gather"]


def test_a_failed_child_workflow_raises_workflow_failed(app: podium.App):
    @app.workflow
    def broken() -> None:
        raise ValueError("child broke")

    @app.workflow
    def parent() -> str:
        try:
            podium.start_child(broken).result()
        except podium.WorkflowFailed as exc:
            return f"{exc.workflow_id} {exc.error_type}: {exc.message}"
        return "no error"

    assert app.run(parent, id="p1") == "p1/0 ValueError: child broke"


def test_a_chosen_child_id_and_a_name(app: podium.App):
    @app.workflow
    def hello(name: str) -> str:
        return f"hello {name}"

    @app.workflow
    def parent() -> str:
        return podium.start_child("hello", "ann", id="greeting-ann").result()  # type: ignore[no-any-return]

    @app.workflow
    def thief() -> str:
        return podium.start_child(hello, "bob", id="taken").result()  # type: ignore[no-any-return]

    assert app.run(parent, id="p2") == "hello ann"
    assert app.get("greeting-ann").info().parent_id == "p2"
    app.start(hello, "eve", id="taken")
    with pytest.raises(podium.WorkflowFailed, match="already belongs"):
        app.run(thief, id="p3")


def test_gather_mixes_child_workflows_and_submitted_steps(app: podium.App):
    @app.step
    def one() -> int:
        return 1

    @app.workflow
    def two() -> int:
        return 2

    @app.workflow
    def parent() -> list[int]:
        return podium.gather(one.submit(), podium.start_child(two))  # type: ignore[no-any-return]

    with app.worker(concurrency=2):
        assert app.start(parent, id="mix").result(timeout=30) == [1, 2]


def test_async_parent_awaits_its_child(app: podium.App):
    @app.workflow
    async def child(x: int) -> int:
        return x + 1

    @app.workflow
    async def parent() -> int:
        handle = podium.start_child(child, 41)
        return await handle.result()  # type: ignore[no-any-return]

    with app.worker():
        assert app.start(parent, id="ap").result(timeout=30) == 42


def test_cancelling_the_parent_cancels_its_children(app: podium.App, wait_until: Waiter):
    @app.workflow
    def grandchild() -> None:
        podium.sleep(3600)

    @app.workflow
    def child() -> None:
        podium.start_child(grandchild).result()

    @app.workflow
    def parent() -> None:
        handle = podium.start_child(child)
        podium.gather(handle)

    with app.worker(concurrency=4):
        handle = app.start(parent, id="root")
        wait_until(
            lambda: (
                app.store.get_workflow("root/0/0") is not None
                and app.get("root/0/0").status() == "waiting"
            ),
            what="the grandchild to sleep",
        )
        handle.cancel()
        for wf_id in ("root", "root/0", "root/0/0"):
            with pytest.raises(podium.WorkflowCancelled):
                app.get(wf_id).result(timeout=10)
    assert app.get("root/0").info().error_type == "WorkflowCancelled"


def test_cancelling_a_child_wakes_its_parent(app: podium.App, wait_until: Waiter):
    @app.workflow
    def sleeper() -> str:
        podium.sleep(3600)
        return "woke"

    @app.workflow
    def parent() -> str:
        try:
            return podium.start_child(sleeper).result()  # type: ignore[no-any-return]
        except podium.WorkflowCancelled as exc:
            return f"child {exc.workflow_id} cancelled"

    with app.worker(concurrency=2):
        handle = app.start(parent, id="pc")
        wait_until(
            lambda: (
                app.store.get_workflow("pc/0") is not None and app.get("pc/0").status() == "waiting"
            ),
            what="the child to sleep",
        )
        app.cancel("pc/0")
        assert handle.result(timeout=30) == "child pc/0 cancelled"


def test_start_child_outside_a_workflow_refuses(app: podium.App):
    @app.workflow
    def lone() -> None:
        return None

    with pytest.raises(podium.PodiumError, match="outside a workflow"):
        podium.start_child(lone)
