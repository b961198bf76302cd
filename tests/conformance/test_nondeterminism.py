"""A replay that calls something else than its history recorded fails the workflow, intact."""

import pytest

import podium
from podium.clock import FakeClock

from .conftest import AppFactory, Waiter


def test_changed_code_fails_with_nondeterminism_and_keeps_history(
    app_factory: AppFactory, wait_until: Waiter
):
    clock = FakeClock()
    app = app_factory(clock=clock)
    code = {"version": 1}

    @app.step
    def reserve() -> str:
        return "reserved"

    @app.step
    def charge() -> str:
        return "charged"

    @app.workflow
    def order() -> str:
        # Deploying version 2 swaps the first step while a run of version 1 sleeps.
        result = reserve() if code["version"] == 1 else charge()
        podium.sleep(60)
        return result

    handle = app.start(order, id="nd-1")
    with app.worker():
        wait_until(lambda: handle.status() == "waiting", what="the first run to suspend")
    before = app.store.load_history("nd-1")

    code["version"] = 2
    clock.advance(61)
    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(order, id="nd-1")

    failure = caught.value
    assert failure.error_type == "NonDeterminismError"
    assert "position 0" in failure.message
    assert "step 'reserve'" in failure.message
    assert "step 'charge'" in failure.message
    assert "'order'" in failure.message
    assert handle.status() == "failed"
    assert app.store.load_history("nd-1") == before


def test_returning_before_recorded_positions_is_nondeterminism(app: podium.App):
    code = {"version": 1}

    @app.step
    def one() -> int:
        return 1

    @app.step
    def two() -> int:
        return 2

    @app.workflow
    def shrinking() -> int:
        total = one()
        if code["version"] == 1:
            total += two()
            raise RuntimeError("version 1 fails after both steps")
        return total

    with pytest.raises(podium.WorkflowFailed):
        app.run(shrinking, id="nd-2")
    before = app.store.load_history("nd-2")
    code["version"] = 2
    app.resume("nd-2")
    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(shrinking, id="nd-2")
    assert caught.value.error_type == "NonDeterminismError"
    assert "position 1" in caught.value.message
    assert "step 'two'" in caught.value.message
    assert app.store.load_history("nd-2") == before


def test_recorded_value_kind_is_checked(app: podium.App):
    code = {"version": 1}

    @app.workflow
    def stamp() -> None:
        podium.now() if code["version"] == 1 else podium.uuid4()
        raise RuntimeError("stop after recording")

    with pytest.raises(podium.WorkflowFailed):
        app.run(stamp, id="nd-3")
    code["version"] = 2
    app.resume("nd-3")
    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(stamp, id="nd-3")
    assert caught.value.error_type == "NonDeterminismError"
    assert "podium.now()" in caught.value.message
    assert "podium.uuid4()" in caught.value.message


def test_caught_nondeterminism_still_fails_the_workflow(app: podium.App):
    """Workflow code that catches every exception cannot hide a divergence from its history."""
    code = {"version": 1}

    @app.step
    def old() -> str:
        return "old"

    @app.step
    def new() -> str:
        return "new"

    @app.workflow
    def tolerant() -> str:
        try:
            value = old() if code["version"] == 1 else new()
        except Exception:
            value = "fallback"
        if code["version"] == 1:
            raise RuntimeError("version 1 stops here")
        return value

    with pytest.raises(podium.WorkflowFailed):
        app.run(tolerant, id="nd-4")
    code["version"] = 2
    app.resume("nd-4")
    with pytest.raises(podium.WorkflowFailed) as caught:
        app.run(tolerant, id="nd-4")
    assert caught.value.error_type == "NonDeterminismError"
