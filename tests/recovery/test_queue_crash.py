"""SIGKILL a worker while a limited queue drains: no limit exceeded at any instant, none lost."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.recovery import crashapp, queueapp
from tests.recovery.conftest import LEASE, Procs, wait_for

JOBS = 40


def spawn(procs: Procs, module: str, **env: str) -> subprocess.Popen[bytes]:
    """Run `python -m tests.recovery.MODULE` as one of the test's processes."""
    return procs.spawn(module=f"tests.recovery.{module}", **env)


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one instant (an end at t comes before a start at t)."""
    points = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    best = current = 0
    for _, delta in points:
        current += delta
        best = max(best, current)
    return best


def executions(log: str, killed: dict[int, float]) -> list[tuple[float, float]]:
    """Every scan that really ran; one cut short by a kill ends at the kill."""
    open_runs: dict[tuple[str, int], float] = {}
    done = []
    for kind, n, pid, stamp in crashapp.read_lines(log):
        if kind == "start":
            open_runs[(n, int(pid))] = float(stamp)
        else:
            done.append((open_runs.pop((n, int(pid))), float(stamp)))
    for (_, owner), start in open_runs.items():
        done.append((start, killed[owner]))
    return done


def busy_pids(log: str) -> set[int]:
    """Processes with a scan started and not ended."""
    running: set[tuple[str, int]] = set()
    for kind, n, pid, _ in crashapp.read_lines(log):
        (running.add if kind == "start" else running.discard)((n, int(pid)))
    return {pid for _, pid in running}


@pytest.mark.slow
def test_killed_worker_while_draining_exceeds_no_limit_and_loses_nothing(
    procs: Procs, database_url: str, tmp_path: Path
) -> None:
    log = str(tmp_path / "scan.log")
    app, upload = queueapp.build(database_url, lease_seconds=LEASE)
    killed: dict[int, float] = {}
    try:
        handles = [app.start(upload, log, n) for n in range(JOBS)]
        workers = [spawn(procs, "queueapp") for _ in range(3)]
        wait_for(
            lambda: sum(1 for line in crashapp.read_lines(log) if line[0] == "end") >= 6,
            60,
            "the queue draining",
        )
        # Any worker in the middle of a scan is the victim; which one has a slot varies.
        busy = wait_for(lambda: busy_pids(log) & {w.pid for w in workers}, 30, "a scan running")
        victim = next(w for w in workers if w.pid in busy)
        procs.kill9(victim)
        killed[victim.pid] = time.time()
        spawn(procs, "queueapp")
        results = [h.result(timeout=90) for h in handles]
        history: list[tuple[float, float]] = []
        for h in handles:
            for event in app.store.load_history(h.id):
                if event.kind == "step" and event.status == "completed":
                    assert event.started_at is not None and event.finished_at is not None
                    history.append((event.started_at, event.finished_at))
    finally:
        app.close()
    assert results == [n * n for n in range(JOBS)]
    assert len(history) == JOBS
    assert max_overlap(history) <= queueapp.CONCURRENCY
    ran = executions(log, killed)
    assert len(ran) >= JOBS
    assert max_overlap(ran) <= queueapp.CONCURRENCY
