"""SIGKILL one of four PostgreSQL workers mid-run, several times: nothing lost or doubled.

Each kill is replaced by a new worker. The workflows the dead worker held ("orphans") move to
the others once its lease (PODIUM_LEASE_SECONDS=1.5) lapses: recovery is timed from the store,
as the start of the first step an orphan ran after the kill (or its finish, when all its
steps were already committed), and printed with the lease time left at the kill.
"""

from __future__ import annotations

import dataclasses
import os
import random
import subprocess
import time
from collections import Counter

import pytest

from tests.distributed import checks
from tests.distributed.conftest import LEASE, Db, Procs, wait_for

WORKERS = 4
CONCURRENCY = 4
WORKFLOWS = 2000
STEPS = 5
PAUSE = 0.005
RATE = 150.0
"""Workflows started per second: about half of what three of the four workers can carry."""
KILLS = 4
MIN_KILLS = 3
RECOVERY_BOUND = LEASE + 5.0
"""A liveness bound (the lease plus generous slack on a loaded machine), not a benchmark."""


@dataclasses.dataclass
class Kill:
    """One SIGKILL: whom, when, and the workflows it left running with their lease expiry."""

    pid: int
    at: float
    orphans: list[tuple[str, float]]


def busy_pids(db: Db, workers: list[subprocess.Popen[bytes]]) -> list[int]:
    """Pids of live workers holding at least one running workflow now."""
    owners = db.rows("SELECT lease_owner FROM podium_workflows WHERE status = 'running'")
    held = Counter(int(owner.split(":")[-3]) for (owner,) in owners if owner)
    return [proc.pid for proc in workers if held[proc.pid] > 0]


def kill_one(procs: Procs, db: Db, victim: subprocess.Popen[bytes]) -> Kill:
    """SIGKILL `victim`; note the workflows it held and when their leases lapse."""
    at = time.time()
    procs.kill9(victim)
    time.sleep(0.05)  # a statement the victim sent just before dying commits or not, now
    orphans = db.rows(
        "SELECT id, claimable_at FROM podium_workflows WHERE status = 'running' "
        "AND lease_owner LIKE %s ORDER BY id",
        f"%:{victim.pid}:%",
    )
    return Kill(victim.pid, at, [(wf_id, float(until)) for wf_id, until in orphans])


def kill_repeatedly(
    procs: Procs,
    db: Db,
    workers: list[subprocess.Popen[bytes]],
    feeder: checks.Feeder,
    rng: random.Random,
) -> list[Kill]:
    """Kill a busy worker and start a replacement, up to KILLS times while work arrives.

    A worker seen busy may finish its last workflow before the kill lands: that kill is
    kept (its pid counts in `check_repeats`) but not counted, as it tested no recovery.
    """
    kills: list[Kill] = []
    while len(busy_kills(kills)) < KILLS and feeder.feeding():
        time.sleep(rng.uniform(0.5, 1.5))
        busy = busy_pids(db, workers)
        if not busy:
            continue
        chosen = rng.choice(busy)
        victim = next(proc for proc in workers if proc.pid == chosen)
        kills.append(kill_one(procs, db, victim))
        workers.remove(victim)
        replacement = procs.worker(CONCURRENCY)
        workers.append(replacement)
        procs.wait_up(replacement)
    return kills


def busy_kills(kills: list[Kill]) -> list[Kill]:
    """The kills that left workflows behind (the victim held some when it died)."""
    return [kill for kill in kills if kill.orphans]


def recovered_at(db: Db, kill: Kill) -> dict[str, float]:
    """When each orphan was picked up again: its first step started after the kill."""
    out: dict[str, float] = {}
    for wf_id, _ in kill.orphans:
        started = db.value(
            "SELECT MIN(started_at) FROM podium_history WHERE workflow_id = %s AND started_at > %s",
            wf_id,
            kill.at,
        )
        if started is None:  # every step was committed before the kill: only the finish was left
            started = db.value("SELECT updated_at FROM podium_workflows WHERE id = %s", wf_id)
        out[wf_id] = float(started)
    return out


def check_recovery(db: Db, kill: Kill) -> tuple[float, float, float]:
    """Orphans moved only after their lease lapsed; (lease left, first and last recovery)."""
    assert kill.orphans, f"worker {kill.pid} held nothing when it was killed"
    times = recovered_at(db, kill)
    for wf_id, lease_until in kill.orphans:
        assert times[wf_id] >= lease_until, f"{wf_id} taken over before its lease lapsed"
    lease_left = max(until for _, until in kill.orphans) - kill.at
    first = min(times.values()) - kill.at
    last = max(times.values()) - kill.at
    assert first <= RECOVERY_BOUND, f"recovery after kill of {kill.pid} began after {first:.2f}s"
    return lease_left, first, last


def check_repeats(runs: dict[tuple[str, int], list[int]], kills: list[Kill]) -> int:
    """A step executed again only after a run by a killed worker; how many pairs were."""
    killed = {kill.pid for kill in kills}
    for pair, pids in runs.items():
        for pid in pids[:-1]:
            assert pid in killed, f"{pair} ran again after a run by live pid {pid}: {pids}"
    repeated = sum(1 for pids in runs.values() if len(pids) > 1)
    assert repeated <= len(kills) * CONCURRENCY
    return repeated


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkill_one_of_four_workers_repeatedly(procs, dist, db, log):
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    workers = [procs.worker(CONCURRENCY) for _ in range(WORKERS)]
    procs.wait_up(*workers)
    ids = [f"chain-{i:05d}" for i in range(WORKFLOWS)]
    feeder = checks.Feeder(dist, log, ids, STEPS, PAUSE, RATE)
    wait_for(lambda: db.finished() > 0, 60, "the first finished workflow")

    kills = kill_repeatedly(procs, db, workers, feeder, rng)
    feeder.join()
    busy = busy_kills(kills)
    assert len(busy) >= MIN_KILLS, f"seed={seed}: only {len(busy)} kills before the end"
    checks.wait_all_finished(db, WORKFLOWS, timeout=180)

    checks.check_results(db, ids, STEPS)
    checks.check_history(db, ids, STEPS)
    repeated = check_repeats(checks.check_executed(log, ids, STEPS), kills)
    recovery = [check_recovery(db, kill) for kill in busy]
    assert all(proc.poll() is None for proc in workers)
    for proc in workers:
        assert procs.stop(proc) == 0, procs.stderr(proc)[-2000:]
    print(
        f"seed={seed} lease={LEASE}s kills={len(busy)} (of a busy worker; {len(kills)} in all) "
        f"orphans={[len(kill.orphans) for kill in busy]} "
        f"lease_left_at_kill={[round(r[0], 2) for r in recovery]} "
        f"recovery_began={[round(r[1], 2) for r in recovery]} "
        f"all_recovered={[round(r[2], 2) for r in recovery]} "
        f"steps_executed_twice={repeated} split={dict(checks.committed_by_pid(db))}"
    )
