"""Versioning: patches replay old histories, continue-as-new keeps histories bounded, fork."""

import collections

import pytest

import podium
from podium.patterns import versions
from podium.store import versions as store_versions
from tests.conformance.conftest import AppFactory, Waiter


def _history(app: podium.App, workflow_id: str) -> list[tuple[str, str]]:
    return [(e.kind, e.name) for e in app.store.load_history(workflow_id)]


# -- patched / deprecate_patch ---------------------------------------------------------------


def _old_code(app: podium.App, calls: collections.Counter[str]) -> None:
    """The code deployed before the change: reserve, charge at the old rate, wait, ship."""

    @app.step
    def reserve() -> str:
        calls["reserve"] += 1
        return "r-1"

    @app.step
    def charge(reservation: str) -> str:
        calls["charge"] += 1
        return f"charged {reservation} at 10%"

    @app.step
    def ship(charged: str) -> str:
        calls["ship"] += 1
        return f"shipped after {charged}"

    @app.workflow(name="order")
    def order() -> str:
        charged = charge(reserve())
        podium.sleep(1.0)  # longer than suspend_grace: the workflow unloads here
        return str(ship(charged))


def _new_code(app: podium.App, calls: collections.Counter[str], *, deprecated: bool) -> None:
    """The code after the change: a new tax rule, behind patched() or deprecate_patch()."""

    @app.step
    def reserve() -> str:
        calls["reserve"] += 1
        return "r-1"

    @app.step
    def charge(reservation: str) -> str:
        calls["charge"] += 1
        return f"charged {reservation} at 10%"

    @app.step
    def charge_with_tax(reservation: str) -> str:
        calls["charge_with_tax"] += 1
        return f"charged {reservation} at 19%"

    @app.step
    def ship(charged: str) -> str:
        calls["ship"] += 1
        return f"shipped after {charged}"

    @app.workflow(name="order")
    def order() -> str:
        reservation = reserve()
        if deprecated:
            podium.deprecate_patch("new-tax-rule")
            charged = charge_with_tax(reservation)
        elif podium.patched("new-tax-rule"):
            charged = charge_with_tax(reservation)
        else:
            charged = charge(reservation)
        podium.sleep(1.0)
        return str(ship(charged))


def _record_until_waiting(app: podium.App, workflow_id: str, wait_until: Waiter) -> None:
    handle = app.start("order", id=workflow_id)
    with app.worker():
        wait_until(lambda: handle.status() == "waiting", what=f"{workflow_id} waiting")


def test_patch_replays_a_history_recorded_by_the_old_code(
    app_factory: AppFactory, wait_until: Waiter
):
    old_calls: collections.Counter[str] = collections.Counter()
    old = app_factory("old")
    _old_code(old, old_calls)
    _record_until_waiting(old, "before-the-change", wait_until)
    assert _history(old, "before-the-change") == [
        ("step", "reserve"),
        ("step", "charge"),
        ("sleep", "sleep"),
    ]
    old.close()

    calls: collections.Counter[str] = collections.Counter()
    new = app_factory("new")
    _new_code(new, calls, deprecated=False)
    fresh = new.start("order", id="after-the-change")
    with new.worker():
        # The old run replays its old branch: no NonDeterminismError, nothing re-run.
        assert new.get("before-the-change").result(timeout=20) == (
            "shipped after charged r-1 at 10%"
        )
        assert fresh.result(timeout=20) == "shipped after charged r-1 at 19%"
    assert calls == {"reserve": 1, "charge_with_tax": 1, "ship": 2}
    assert ("patch", "new-tax-rule") not in _history(new, "before-the-change")
    assert _history(new, "after-the-change") == [
        ("step", "reserve"),
        ("patch", "new-tax-rule"),
        ("step", "charge_with_tax"),
        ("sleep", "sleep"),
        ("step", "ship"),
    ]


def test_deprecate_patch_replays_histories_with_and_without_the_marker(
    app_factory: AppFactory, wait_until: Waiter
):
    patched_app = app_factory("patched")
    _new_code(patched_app, collections.Counter(), deprecated=False)
    _record_until_waiting(patched_app, "with-marker", wait_until)
    assert ("patch", "new-tax-rule") in _history(patched_app, "with-marker")
    patched_app.close()

    calls: collections.Counter[str] = collections.Counter()
    app = app_factory("deprecated")
    _new_code(app, calls, deprecated=True)
    fresh = app.start("order", id="without-marker")
    with app.worker():
        assert app.get("with-marker").result(timeout=20) == "shipped after charged r-1 at 19%"
        assert fresh.result(timeout=20) == "shipped after charged r-1 at 19%"
    assert ("patch", "new-tax-rule") not in _history(app, "without-marker")
    assert calls == {"reserve": 1, "charge_with_tax": 1, "ship": 2}


def test_patched_is_the_same_answer_twice_in_one_run(app: podium.App):
    @app.workflow
    def twice() -> list[bool]:
        return [podium.patched("p"), podium.patched("p")]

    assert app.run(twice, id="twice") == [True, True]
    assert _history(app, "twice") == [("patch", "p")]


def test_patch_helpers_refuse_bad_input(app: podium.App):
    with pytest.raises(podium.PodiumError, match="outside a workflow body"):
        podium.patched("p")

    @app.workflow
    def bad() -> bool:
        return podium.patched("")

    with pytest.raises(podium.WorkflowFailed, match="pass the patch id"):
        app.run(bad, id="bad")


# -- continue-as-new and the history cap -----------------------------------------------------


def test_continue_as_new_loops_with_fresh_histories(app_factory: AppFactory):
    app = app_factory(max_history_events=10)
    calls: list[int] = []

    @app.step
    def tick(n: int) -> int:
        calls.append(n)
        return n

    @app.workflow
    def poller(n: int, total: int) -> int:
        for i in range(3):  # 3 positions a round; 20 rounds would need 60 without continuing
            total += tick(n * 10 + i)
        if n == 19:
            return total
        podium.continue_as_new(n + 1, total)

    handle = app.start(poller, 0, 0, id="poller")
    with app.worker():
        total = handle.result(timeout=30)
    assert total == sum(n * 10 + i for n in range(20) for i in range(3))
    assert len(calls) == 60  # every step ran once: no round was replayed from scratch
    assert _history(app, "poller") == [("step", "tick")] * 3  # only the last round
    assert versions.generations(app.runtime, "poller") == 19
    first = versions.archived_history(app.runtime, "poller", 1)
    assert [(e.kind, e.seq) for e in first] == [
        ("step", 0),
        ("step", 1),
        ("step", 2),
        ("continue_as_new", 3),
    ]
    assert podium.serialization.loads(first[-1].payload) == {"args": [1, 3], "kwargs": {}}


def test_history_cap_fails_a_runaway_loop_with_a_clear_error(app_factory: AppFactory):
    app = app_factory(max_history_events=10)

    @app.step
    def tick(n: int) -> int:
        return n

    @app.workflow
    def runaway() -> None:
        n = 0
        while True:
            n = tick(n) + 1

    with pytest.raises(podium.WorkflowFailed) as failed:
        app.run(runaway, id="runaway")
    assert failed.value.error_type == "HistoryLimitExceeded"
    assert "history cap of 10 events" in str(failed.value)
    assert "continue_as_new" in str(failed.value)
    assert len(app.store.load_history("runaway")) == 10


def test_history_cap_setting_is_validated():
    with pytest.raises(podium.ConfigurationError, match="max_history_events"):
        podium.App("x", database_url="sqlite:///:memory:", max_history_events=0)


# -- fork ------------------------------------------------------------------------------------


def _checkout(app: podium.App, calls: collections.Counter[str], broken: dict[str, bool]) -> None:
    @app.step
    def reserve() -> str:
        calls["reserve"] += 1
        return "r-1"

    @app.step
    def charge(reservation: str) -> str:
        calls["charge"] += 1
        if broken["charge"]:
            raise ConnectionError("payment provider down")
        return f"charged {reservation}"

    @app.step
    def ship(charged: str) -> str:
        calls["ship"] += 1
        return f"shipped after {charged}"

    @app.workflow(name="checkout")
    def checkout() -> str:
        return str(ship(charge(reserve())))


def test_fork_from_a_step_reruns_only_the_later_steps(app: podium.App):
    calls: collections.Counter[str] = collections.Counter()
    broken = {"charge": True}
    _checkout(app, calls, broken)
    with pytest.raises(podium.WorkflowFailed):
        app.run("checkout", id="yesterday")
    assert calls == {"reserve": 1, "charge": 1}

    broken["charge"] = False  # today's fix
    handle = app.fork("yesterday", from_step=1, id="today")
    assert handle.id == "today" and handle.status() == "pending"
    with app.worker():
        assert handle.result(timeout=20) == "shipped after charged r-1"
    assert calls == {"reserve": 1, "charge": 2, "ship": 1}  # reserve replayed, not re-run
    assert app.get("yesterday").status() == "failed"  # the original is left as it was
    fork = store_versions.for_store(app.store).fork_of("today")
    assert fork is not None and (fork.source_id, fork.from_step) == ("yesterday", 1)

    again = app.fork("today", from_step=0)  # a completed workflow, from the start
    assert again.id.startswith("today-fork-")
    with app.worker():
        assert again.result(timeout=20) == "shipped after charged r-1"
    assert calls == {"reserve": 2, "charge": 3, "ship": 2}


def test_fork_refuses_bad_input_and_writes_nothing(app: podium.App, wait_until: Waiter):
    calls: collections.Counter[str] = collections.Counter()
    _checkout(app, calls, {"charge": False})
    app.run("checkout", id="done")
    pending = app.start("checkout", id="pending")
    before = {w.id for w in app.list(limit=100)}

    with pytest.raises(podium.WorkflowNotFound, match="nope"):
        app.fork("nope", from_step=0)
    with pytest.raises(podium.ConfigurationError, match=r"'pending' is pending.*cancel it"):
        app.fork("pending", from_step=0)
    with pytest.raises(podium.ConfigurationError, match=r"'done' has 3 history positions"):
        app.fork("done", from_step=4)
    with pytest.raises(podium.ConfigurationError, match="from_step=-1"):
        app.fork("done", from_step=-1)
    with pytest.raises(podium.ConfigurationError, match="id 'pending': that id is taken"):
        app.fork("done", from_step=1, id="pending")
    assert {w.id for w in app.list(limit=100)} == before
    assert app.store.load_history("pending") == []
    assert pending.status() == "pending"
