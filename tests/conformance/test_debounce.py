"""Debounced starts: later starts with the key fold into one run; the latest input wins."""

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import podium
from tests.conformance.conftest import AppFactory


def test_later_starts_fold_into_one_run_with_the_latest_input(app_factory: AppFactory) -> None:
    app = app_factory()

    @app.workflow
    def sync(n: int) -> int:
        return n

    first = app.start(sync, 1, debounce=0.5, key="cart-9", search={"cart": "9"})
    second = app.start(sync, 2, debounce=0.5, key="cart-9")
    other = app.start(sync, 7, debounce=0.5, key="cart-1")
    assert first.id == second.id != other.id
    with app.worker():
        assert first.result(timeout=20) == 2  # the latest input wins
        assert other.result(timeout=20) == 7
    later = app.start(sync, 3, debounce=0.2, key="cart-9")  # the earlier run has run
    assert later.id != first.id
    with app.worker():
        assert later.result(timeout=20) == 3
    assert len(app.list(workflow="sync")) == 3
    assert app.search_attributes(first.id) == {"cart": "9"}


def test_each_start_restarts_the_quiet_period(app_factory: AppFactory) -> None:
    app = app_factory()

    @app.workflow
    def sync(n: int) -> int:
        return n

    h = app.start(sync, 1, debounce=30, key="k")
    before = app.store.get_workflow(h.id)
    time.sleep(0.05)
    app.start(sync, 2, debounce=30, key="k")
    after = app.store.get_workflow(h.id)
    assert before is not None and after is not None
    assert before.ready_at is not None and after.ready_at is not None
    assert after.ready_at > before.ready_at


def test_debounce_max_caps_how_long_starts_postpone_the_run(app_factory: AppFactory) -> None:
    app = app_factory()

    @app.workflow
    def sync(n: int) -> int:
        return n

    h = app.start(sync, 1, debounce=30, debounce_max=30, key="k")
    first = app.store.get_workflow(h.id)
    assert first is not None and first.ready_at is not None
    assert first.ready_at == pytest.approx(first.created_at + 30, abs=1e-3)
    for n in range(2, 5):  # each would move it 30 s past now; the cap holds it at first + 30
        time.sleep(0.05)
        assert app.start(sync, n, debounce=30, debounce_max=30, key="k").id == h.id
    capped = app.store.get_workflow(h.id)
    assert capped is not None and capped.ready_at is not None
    assert capped.ready_at == pytest.approx(first.created_at + 30, abs=1e-3)
    assert app.get(h.id).status() == "pending"
    without = app.start(sync, 5, debounce=30, key="k")  # a start without the cap moves it on
    moved = app.store.get_workflow(without.id)
    assert moved is not None and moved.ready_at is not None and moved.ready_at > capped.ready_at


def test_debounce_max_runs_a_busy_key_in_time(app_factory: AppFactory) -> None:
    app = app_factory()

    @app.workflow
    def sync(n: int) -> int:
        return n

    h = app.start(sync, 0, debounce=0.4, debounce_max=0.8, key="busy")
    with app.worker():
        n = 1
        while h.status() == "pending" and n < 200:  # a start every 0.1 s: never quiet
            app.start(sync, n, debounce=0.4, debounce_max=0.8, key="busy")
            n += 1
            time.sleep(0.1)
        assert n < 30  # it ran within about 0.8 s although the key never went quiet
        assert isinstance(h.result(timeout=10), int)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"debounce": 1.0}, "debounce= needs key="),
        ({"debounce": 0, "key": "k"}, "positive number"),
        ({"debounce": 1.0, "key": "k", "id": "x"}, "drop id= and delay="),
        ({"debounce": 1.0, "key": "k", "delay": 5}, "drop id= and delay="),
        ({"debounce_max": 5.0, "key": "k"}, "debounce_max= caps"),
        ({"debounce": 1.0, "debounce_max": 0, "key": "k"}, "debounce_max=0 must be a positive"),
        ({"debounce": 5.0, "debounce_max": 1.0, "key": "k"}, "shorter than debounce=5"),
    ],
)
def test_bad_debounce_options_are_refused(
    app_factory: AppFactory, options: dict[str, Any], message: str
) -> None:
    app = app_factory()

    @app.workflow
    def sync(n: int) -> int:
        return n

    with pytest.raises(podium.ConfigurationError, match=message):
        app.start(sync, 1, **options)
    assert app.list() == []


RACER = textwrap.dedent(
    """
    import sys, time
    import podium
    app = podium.App("racer", database_url=sys.argv[1])

    @app.workflow
    def sync(n: int) -> int:
        return n

    until = float(sys.argv[2])
    while time.time() < until:
        time.sleep(0.001)
    ids = {app.start(sync, i, debounce=30, key="k").id for i in range(int(sys.argv[3]))}
    print(" ".join(sorted(ids)))
    app.close()
    """
)


def test_two_racing_processes_make_one_run(store_url: str, tmp_path: Path) -> None:
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    with podium.App("racer", database_url=store_url) as app:  # migrate before the race
        app.list()
    go = time.time() + 1.5
    racers = [
        subprocess.Popen(
            [sys.executable, str(script), store_url, str(go), "40"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=60)[0] for r in racers]
    assert all(r.returncode == 0 for r in racers)
    ids = {i for out in outputs for i in out.split()}
    assert len(ids) == 1, ids
    with podium.App("racer", database_url=store_url) as app:
        assert len(app.list()) == 1


def test_debounced_start_respects_the_queues_max_depth(app_factory: AppFactory) -> None:
    app = app_factory()
    app.queue("small", max_depth=2)

    @app.workflow(queue="small")
    def sync(n: int) -> int:
        return n

    a = app.start(sync, 1, debounce=30, key="a")
    b = app.start(sync, 2, debounce=30, key="b")
    assert app.start(sync, 3, debounce=30, key="a").id == a.id  # a fold adds no run: accepted
    with pytest.raises(podium.QueueFull, match="'small' holds its max_depth of 2"):
        app.start(sync, 4, debounce=30, key="c", search={"tag": "c"})
    assert {w.id for w in app.list()} == {a.id, b.id}  # nothing written
    assert app.list(search={"tag": "c"}) == []
    a.cancel()  # one leaves the pending backlog; key c may start now
    c = app.start(sync, 5, debounce=30, key="c")
    assert c.id not in (a.id, b.id)
    assert app.start(sync, 6, debounce=30, key="c").id == c.id
