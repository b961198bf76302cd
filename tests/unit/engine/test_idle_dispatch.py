"""A worker that runs workflows one at a time: its dispatcher claims about once for each.

A runner that stops because the store, asked after its run's end, had nothing ready does
not have the dispatcher ask again (`Worker._drained`); the next start wakes it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import podium

STARTS = 40


@pytest.fixture
def app(tmp_path: Path) -> Iterator[podium.App]:
    opened = podium.App("idle", database_url=f"sqlite:///{tmp_path / 'w.db'}")
    yield opened
    opened.close()


@pytest.mark.parametrize("concurrency", [1, 8])
def test_one_at_a_time_costs_about_one_dispatcher_claim_each(
    app: podium.App, monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    @app.workflow
    def echo(x: int) -> int:
        return x

    claims: list[int] = []
    plain = app.store.claim

    def counting(*args: Any, **kwargs: Any) -> Any:
        found = plain(*args, **kwargs)
        if threading.current_thread().name == "podium-dispatch":
            claims.append(len(found))
        return found

    with app.worker(concurrency=concurrency):
        assert app.start(echo, -1).result(timeout=30) == -1  # the worker is up and idle
        monkeypatch.setattr(app.store, "claim", counting)
        for i in range(STARTS):
            assert app.start(echo, i).result(timeout=30) == i
    empty = claims.count(0)
    # Each workflow is claimed once, by the dispatcher, unless the next start lands between
    # a run's end (its result is out) and the runner's own ask after it: then the runner
    # takes it. That race is rare and harmless (a busy machine makes it likelier); the
    # dispatcher must not claim more than once each, nor come back empty-handed often.
    assert STARTS - STARTS // 10 <= sum(claims) <= STARTS
    assert empty <= STARTS // 4, f"{empty} empty dispatcher claims for {STARTS} workflows"


def test_a_limited_queue_is_refilled_when_a_run_frees_its_slot(tmp_path: Path) -> None:
    """A short claim of a limited queue leaves work behind: each end still wakes the dispatcher.

    With a poll interval of a minute, a missed wake-up would hold the next workflow that long.
    """
    slow = podium.App("limited", database_url=f"sqlite:///{tmp_path / 'l.db'}", poll_interval=60.0)
    try:
        slow.queue("one", concurrency=1)

        @slow.workflow(queue="one")
        def echo(x: int) -> int:
            return x

        with slow.worker(concurrency=4, queues=["one"]):
            handles = [slow.start(echo, i) for i in range(6)]
            assert [h.result(timeout=20) for h in handles] == list(range(6))
    finally:
        slow.close()
