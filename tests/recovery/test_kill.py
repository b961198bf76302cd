"""SIGKILL worker processes at random moments: every workflow still completes correctly.

Steps run at least once and a history position is committed at most once (ARCHITECTURE
decisions 1 and 4). The step log says what ran where; the store says what was committed.
"""

from __future__ import annotations

import os
import random
import time
from collections import defaultdict
from pathlib import Path

import pytest

from tests.recovery import crashapp
from tests.recovery.conftest import Procs, db_rows, wait_for

WORKFLOWS = 10
STEPS = 20
KILLS = 24
CONCURRENCY = 4


def line_count(log: str) -> int:
    """Lines in the step log so far."""
    try:
        return Path(log).read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def kill_repeatedly(procs: Procs, log: str, rng: random.Random) -> set[int]:
    """Start a worker, SIGKILL it after a little random progress; KILLS times. Killed pids."""
    killed: set[int] = set()
    for _ in range(KILLS):
        before = line_count(log)
        proc = procs.worker(CONCURRENCY)
        need = rng.randint(1, 6)
        try:
            wait_for(lambda: line_count(log) >= before + need, 8.0, "progress")  # noqa: B023
        except AssertionError:
            pass  # kill anyway: a kill during start-up or a lease wait is a kill too
        time.sleep(rng.uniform(0.0, 0.04))
        procs.kill9(proc)
        killed.add(proc.pid)
    return killed


def runs_by_pair(log: str) -> dict[tuple[str, int], list[int]]:
    """(workflow id, step) -> the pids that ran it, in log order."""
    runs: dict[tuple[str, int], list[int]] = defaultdict(list)
    for wf_id, step, pid in crashapp.read_lines(log):
        runs[(wf_id, int(step))].append(int(pid))
    return runs


def check_runs(runs: dict[tuple[str, int], list[int]], ids: list[str], killed: set[int]) -> int:
    """Every step ran; a run that was not the committed one was in flight at a kill."""
    assert set(runs) == {(wf_id, n) for wf_id in ids for n in range(STEPS)}
    wasted: dict[int, int] = defaultdict(int)
    for pair, pids in runs.items():
        assert len(pids) == len(set(pids)), f"{pair} ran twice in one process: {pids}"
        for pid in pids[:-1]:
            assert pid in killed, f"{pair} ran again after a run by live pid {pid}: {pids}"
            wasted[pid] += 1
    assert all(count <= CONCURRENCY for count in wasted.values()), dict(wasted)
    duplicated = sum(1 for pids in runs.values() if len(pids) > 1)
    assert duplicated <= len(killed) * CONCURRENCY
    return duplicated


def check_history(database_url: str, ids: list[str]) -> None:
    """Exactly one completed step row per position 0..STEPS-1 of every workflow."""
    rows = db_rows(
        database_url,
        "SELECT workflow_id, seq, kind, status, COUNT(*) FROM podium_history "
        "GROUP BY workflow_id, seq ORDER BY workflow_id, seq",
    )
    expected = [(wf_id, n, "step", "completed", 1) for wf_id in sorted(ids) for n in range(STEPS)]
    assert rows == expected


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_workers_lose_nothing_and_commit_once(procs, crash, log, database_url):
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    ids = [f"chain-{i}" for i in range(WORKFLOWS)]
    for i, wf_id in enumerate(ids):  # half `def`, half `async def` workflows and steps
        crash.app.start(crash.chain if i % 2 else crash.achain, log, wf_id, STEPS, id=wf_id)

    killed = kill_repeatedly(procs, log, rng)
    survivor = procs.worker(CONCURRENCY)
    for wf_id in ids:
        result = crash.app.get(wf_id).result(timeout=60)
        assert result == {"id": wf_id, "total": crashapp.chain_total(wf_id, STEPS)}
    assert procs.stop(survivor) == 0

    runs = runs_by_pair(log)
    duplicated = check_runs(runs, ids, killed)
    check_history(database_url, ids)
    most = max(len(pids) for pids in runs.values())
    print(
        f"seed={seed} kills={len(killed)} step_runs={sum(map(len, runs.values()))} "
        f"pairs_run_more_than_once={duplicated} max_runs_of_one_step={most}"
    )
