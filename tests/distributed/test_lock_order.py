"""Group commits, lease renewals, child ends and cancels on many workflow rows at once: no deadlock.

Four worker processes on PostgreSQL, each committing its threads' writes in shared
transactions (group commit) while renewing its leases every tenth of a second, run chains
and fan-outs (each child's end wakes its parent in the same transaction) while this process
cancels chains and fan-out parents (a parent's cancel takes its unfinished children along,
many rows in one statement). Every statement that locks several workflow rows takes them in
id order, so PostgreSQL never finds a deadlock: no worker logs one (a group commit aborted by
one would be logged, then redone write by write), every workflow ends, and every completed
one has its exact result and history. No timing is asserted.
"""

from __future__ import annotations

import random
import time

import pytest

from podium import serialization
from tests.distributed import conftest, distapp
from tests.recovery import crashapp

WORKERS = 4
CONCURRENCY = 8
CHAINS = 1000
STEPS = 4
FANS = 12
WIDTH = 40
LEASE = 0.3
"""Short leases: each worker renews every 0.2 s, many rows per renewal, during the commits."""


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_group_commits_renewals_child_ends_and_cancels_never_deadlock(
    procs, dist, db, log, monkeypatch
):
    monkeypatch.setattr(conftest, "LEASE", LEASE)
    deadlocks_before = _deadlocks(db)
    workers = [procs.worker(CONCURRENCY) for _ in range(WORKERS)]
    procs.wait_up(*workers)

    chains = [f"chain-{i:04d}" for i in range(CHAINS)]
    fans = [f"fan-{i:03d}" for i in range(FANS)]
    every = CHAINS // FANS
    for i, wf_id in enumerate(chains):
        dist.app.start(dist.chain, log, wf_id, STEPS, 0.0, id=wf_id)
        if i % every == 0 and i // every < FANS:
            dist.app.start(dist.fan, log, fans[i // every], WIDTH, id=fans[i // every])
    cancelled = _cancel_while_running(dist, db, chains, fans)

    conftest.wait_for(lambda: _all_ended(db, CHAINS + FANS), 240, "every workflow to end", 0.1)
    for proc in workers:
        text = procs.stderr(proc)
        assert "deadlock" not in text.lower(), text[-3000:]
        assert "group commit" not in text, text[-3000:]
        assert "Traceback" not in text, text[-3000:]
    _check_outcomes(db, chains, fans, cancelled)
    for proc in workers:
        assert procs.stop(proc) == 0, procs.stderr(proc)[-2000:]
    print(f"deadlocks on the server meanwhile (any database): {_deadlocks(db) - deadlocks_before}")


def _cancel_while_running(
    dist: distapp.DistApp, db: conftest.Db, chains: list[str], fans: list[str]
) -> set[str]:
    """Cancel a third of the fan-outs and every tenth chain, mostly once they have started."""
    rng = random.Random(19)
    targets = [*fans[::3], *rng.sample(chains, len(chains) // 10)]
    rng.shuffle(targets)
    cancelled: set[str] = set()
    for wf_id in targets:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and _status(db, wf_id) == "pending":
            time.sleep(0.005)
        dist.app.cancel(wf_id)  # a no-op for one that has ended already
        if _status(db, wf_id) == "cancelled":
            cancelled.add(wf_id)
    return cancelled


def _status(db: conftest.Db, wf_id: str) -> str:
    return str(db.value("SELECT status FROM podium_workflows WHERE id = %s", wf_id))


def _all_ended(db: conftest.Db, top_level: int) -> bool:
    """Whether every started workflow and every child created has ended."""
    ended = db.value(
        "SELECT COUNT(*) FROM podium_workflows "
        "WHERE parent_id IS NULL AND status IN ('completed', 'failed', 'cancelled')"
    )
    open_rows = db.value(
        "SELECT COUNT(*) FROM podium_workflows WHERE status IN ('pending', 'running', 'waiting')"
    )
    return bool(ended == top_level and open_rows == 0)


def _check_outcomes(
    db: conftest.Db, chains: list[str], fans: list[str], cancelled: set[str]
) -> None:
    """Cancelled ones (and their children) stopped; every other one completed exactly."""
    rows = {
        wf_id: (status, output)
        for wf_id, status, output in db.rows("SELECT id, status, output FROM podium_workflows")
    }
    for wf_id in chains:
        status, output = rows[wf_id]
        if wf_id in cancelled:
            assert status == "cancelled", wf_id
            continue
        assert status == "completed", (wf_id, status)
        assert serialization.loads(output) == {
            "id": wf_id,
            "total": crashapp.chain_total(wf_id, STEPS),
        }
    for fan_id in fans:
        status, output = rows[fan_id]
        if fan_id in cancelled:
            assert status == "cancelled", fan_id
            continue
        assert status == "completed", (fan_id, status)
        values = [value for _pid, value in serialization.loads(output)]
        assert values == [crashapp.link_value(fan_id, n) for n in range(WIDTH)]
    positions = db.rows(
        "SELECT workflow_id, seq, COUNT(*) FROM podium_history "
        "GROUP BY workflow_id, seq HAVING COUNT(*) > 1"
    )
    assert positions == []
    open_rows = db.value(
        "SELECT COUNT(*) FROM podium_workflows WHERE status IN ('pending', 'running', 'waiting')"
    )
    assert open_rows == 0


def _deadlocks(db: conftest.Db) -> int:
    return int(db.value("SELECT COALESCE(SUM(deadlocks), 0) FROM pg_stat_database"))
