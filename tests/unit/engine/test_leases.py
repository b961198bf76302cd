"""Lease renewal (`podium.engine.leases`): which leases each heartbeat renews, and for whom.

Most tests call `LeaseKeeper.renew()` (one heartbeat) directly on a keeper whose own thread
beats only every 20 minutes, against a fake that records `renew_leases`, the one store verb
the keeper calls. Two tests use a real SQLite store to show what a missed renewal costs: the
workflow is taken over. Nothing sleeps to wait for a beat; threads meet on Events.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import cast

import pytest

from podium.engine.leases import LeaseKeeper
from podium.store import base, sqlite

LEASE = 3600.0
"""Long enough that the keeper's own thread (a beat each LEASE / 3) never beats in a test."""

WAIT = 30.0
"""Seconds a wait may take before the test calls it a hang (never reached when correct)."""


class Clock:
    """The keeper's `now`: a time the test sets."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordingStore:
    """Records each `renew_leases` call; raises once for each owner listed in `fail_once`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], float, float]] = []
        self.fail_once: set[str] = set()
        self.called = threading.Event()

    def renew_leases(
        self, owner: str, workflow_ids: Sequence[str], now: float, lease_seconds: float
    ) -> int:
        self.calls.append((owner, list(workflow_ids), now, lease_seconds))
        self.called.set()
        if owner in self.fail_once:
            self.fail_once.discard(owner)
            raise ConnectionError("store unreachable")
        return len(workflow_ids)

    def renewed(self) -> dict[str, list[str]]:
        """The ids renewed per owner by the calls so far (the last call per owner wins)."""
        return {owner: ids for owner, ids, _now, _lease in self.calls}


@pytest.fixture
def store() -> RecordingStore:
    return RecordingStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keeper(store: RecordingStore, clock: Clock) -> Iterator[LeaseKeeper]:
    keeper = LeaseKeeper(cast(base.Store, store), LEASE, clock)
    try:
        yield keeper
    finally:
        keeper.close()


def fence(workflow_id: str, owner: str = "w1", epoch: int = 1) -> base.Fence:
    return base.Fence(workflow_id=workflow_id, owner=owner, epoch=epoch)


def lease_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "podium-leases"}


# -- what a heartbeat renews --------------------------------------------------------------------


def test_each_heartbeat_renews_the_held_workflow(
    keeper: LeaseKeeper, store: RecordingStore, clock: Clock
) -> None:
    with keeper.holding(fence("wf-1")):
        keeper.renew()
        clock.now = 120.0
        keeper.renew()

    assert store.calls == [("w1", ["wf-1"], 100.0, LEASE), ("w1", ["wf-1"], 120.0, LEASE)]


def test_nothing_is_renewed_when_nothing_is_held(
    keeper: LeaseKeeper, store: RecordingStore
) -> None:
    keeper.renew()

    assert store.calls == []


@pytest.mark.parametrize("exits", ["normally", "by raising"])
def test_renewal_stops_once_the_block_exits(
    keeper: LeaseKeeper, store: RecordingStore, exits: str
) -> None:
    with contextlib.suppress(RuntimeError), keeper.holding(fence("wf-1")):
        keeper.renew()
        if exits == "by raising":
            raise RuntimeError("the run failed")
    keeper.renew()

    assert store.calls == [("w1", ["wf-1"], 100.0, LEASE)]


def test_renewal_stops_only_for_the_run_that_ended(
    keeper: LeaseKeeper, store: RecordingStore
) -> None:
    with keeper.holding(fence("wf-1")):
        with keeper.holding(fence("wf-2")):
            keeper.renew()
        keeper.renew()

    assert [ids for _owner, ids, _now, _lease in store.calls] == [["wf-1", "wf-2"], ["wf-1"]]


def test_each_owner_renews_its_own_workflows_in_one_call(
    keeper: LeaseKeeper, store: RecordingStore
) -> None:
    with (
        keeper.holding(fence("wf-b", owner="w1")),
        keeper.holding(fence("wf-a", owner="w1")),
        keeper.holding(fence("wf-c", owner="w2")),
    ):
        keeper.renew()

    assert len(store.calls) == 2
    assert store.renewed() == {"w1": ["wf-a", "wf-b"], "w2": ["wf-c"]}


def test_a_failed_renewal_is_logged_and_retried_on_the_next_heartbeat(
    keeper: LeaseKeeper, store: RecordingStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.fail_once = {"w1"}
    with keeper.holding(fence("wf-1", owner="w1")), keeper.holding(fence("wf-2", owner="w2")):
        with caplog.at_level(logging.ERROR, logger="podium.leases"):
            keeper.renew()  # must not raise: the heartbeat thread would die with it
        failures = [r for r in caplog.records if r.name == "podium.leases"]
        assert [r.getMessage() for r in failures] == ["lease renewal for w1 failed; will retry"]
        assert failures[0].exc_info is not None
        assert store.renewed() == {"w1": ["wf-1"], "w2": ["wf-2"]}  # w2 renewed all the same

        store.calls.clear()
        keeper.renew()

    assert store.renewed() == {"w1": ["wf-1"], "w2": ["wf-2"]}


# -- the heartbeat thread -----------------------------------------------------------------------


def test_the_heartbeat_thread_renews_without_being_asked(clock: Clock) -> None:
    store = RecordingStore()
    keeper = LeaseKeeper(cast(base.Store, store), 0.03, clock)  # a beat every 10 ms
    try:
        with keeper.holding(fence("wf-1")):
            assert store.called.wait(WAIT), "the heartbeat thread never renewed"
    finally:
        keeper.close()

    assert store.calls[0] == ("w1", ["wf-1"], 100.0, 0.03)


def test_one_heartbeat_thread_serves_every_run(keeper: LeaseKeeper) -> None:
    before = lease_threads()
    with keeper.holding(fence("wf-1")), keeper.holding(fence("wf-2", owner="w2")):
        started = lease_threads() - before

    assert len(started) == 1


def test_close_stops_the_heartbeat_thread(keeper: LeaseKeeper) -> None:
    before = lease_threads()
    with keeper.holding(fence("wf-1")):
        (thread,) = lease_threads() - before
        keeper.close()

    assert not thread.is_alive()


def test_close_without_a_run_held_is_harmless(store: RecordingStore, clock: Clock) -> None:
    before = lease_threads()
    keeper = LeaseKeeper(cast(base.Store, store), LEASE, clock)
    keeper.close()

    assert lease_threads() - before == set()
    assert store.calls == []


# -- on a real store: a missed renewal loses the workflow ---------------------------------------


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[base.Store]:
    store = sqlite.SQLiteStore(str(tmp_path / "leases.db"))
    try:
        yield store
    finally:
        store.close()


def claimed(store: base.Store, owner: str, now: float, lease: float) -> base.Claim:
    claim = store.claim_one("wf-1", owner, now, lease)
    assert claim is not None, f"{owner} could not claim wf-1 at {now}"
    return claim


def test_a_renewed_lease_keeps_other_workers_out(sqlite_store: base.Store) -> None:
    sqlite_store.create_workflow(base.NewWorkflow(id="wf-1", workflow="w", input="[]"), 0.0)
    clock = Clock(10.0)
    keeper = LeaseKeeper(sqlite_store, 30.0, clock)  # w1's lease runs to 40
    try:
        with keeper.holding(claimed(sqlite_store, "w1", 10.0, 30.0).fence):
            clock.now = 35.0
            keeper.renew()  # now to 65
            assert sqlite_store.claim_one("wf-1", "w2", 50.0, 30.0) is None
        clock.now = 60.0
        keeper.renew()  # the run ended: not renewed, the lease still ends at 65
    finally:
        keeper.close()

    takeover = sqlite_store.claim_one("wf-1", "w2", 66.0, 30.0)
    assert takeover is not None and takeover.takeover


def test_a_stale_run_ending_does_not_stop_the_live_runs_renewal(sqlite_store: base.Store) -> None:
    sqlite_store.create_workflow(base.NewWorkflow(id="wf-1", workflow="w", input="[]"), 0.0)
    clock = Clock(10.0)
    keeper = LeaseKeeper(sqlite_store, 30.0, clock)
    try:
        stale = claimed(sqlite_store, "w1", 10.0, 30.0)  # lease to 40, then w1 stalls past it
        live = claimed(sqlite_store, "w1", 45.0, 30.0)  # w1 takes its own workflow back: to 75
        assert live.takeover and live.fence.epoch > stale.fence.epoch
        with keeper.holding(live.fence):
            with keeper.holding(stale.fence):
                pass  # the stale run wakes, is fenced off, and ends
            clock.now = 70.0
            keeper.renew()  # the live run still runs: its lease must now end at 100
            assert sqlite_store.claim_one("wf-1", "w2", 80.0, 30.0) is None, (
                "the live run's lease lapsed and another worker took the workflow over"
            )
    finally:
        keeper.close()


class TimedStore(RecordingStore):
    """Records when each renewal was called; fails the first one, or makes it slow."""

    def __init__(self, *, fail_first: bool = False, first_takes: float = 0.0) -> None:
        super().__init__()
        self.times: list[float] = []
        self.fail_first = fail_first
        self.first_takes = first_takes
        self.second = threading.Event()

    def renew_leases(
        self, owner: str, workflow_ids: Sequence[str], now: float, lease_seconds: float
    ) -> int:
        self.times.append(time.monotonic())
        if len(self.times) == 1:
            if self.first_takes:
                time.sleep(self.first_takes)
            if self.fail_first:
                raise ConnectionError("store unreachable")
        else:
            self.second.set()
        return len(workflow_ids)


def test_a_failed_renewal_is_retried_well_before_the_next_beat(clock: Clock) -> None:
    store = TimedStore(fail_first=True)
    keeper = LeaseKeeper(cast(base.Store, store), 6.0, clock)  # a beat every 2 s
    try:
        with keeper.holding(fence("wf-1")):
            assert store.second.wait(WAIT)
    finally:
        keeper.close()

    assert store.times[1] - store.times[0] < 1.0  # the store came back: renewed at once


def test_a_renewal_that_took_longer_than_a_beat_is_made_again_at_once(clock: Clock) -> None:
    store = TimedStore(first_takes=1.2)  # an outage: the call waited for the store
    keeper = LeaseKeeper(cast(base.Store, store), 3.0, clock)  # a beat every second
    try:
        with keeper.holding(fence("wf-1")):
            assert store.second.wait(WAIT)
    finally:
        keeper.close()

    assert store.times[1] - store.times[0] < 1.2 + 0.5
