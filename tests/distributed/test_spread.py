"""Four worker processes share one PostgreSQL store: each workflow completes once, on one of them.

Claims use FOR UPDATE SKIP LOCKED, so no two workers run the same workflow; the history's
primary key and the fence make every position committed at most once. The split of committed
steps over the workers is printed (run with -s to see it).
"""

from __future__ import annotations

import time

import pytest

from tests.distributed import checks

WORKERS = 4
CONCURRENCY = 4
WORKFLOWS = 2000
STEPS = 5


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_four_workers_share_two_thousand_workflows(procs, dist, db, log):
    workers = [procs.worker(CONCURRENCY) for _ in range(WORKERS)]
    procs.wait_up(*workers)

    start = time.monotonic()
    ids = checks.start_chains(dist, log, WORKFLOWS, STEPS, pause=0.0)
    checks.wait_all_finished(db, WORKFLOWS, timeout=180)
    wall = time.monotonic() - start

    checks.check_results(db, ids, STEPS)
    checks.check_history(db, ids, STEPS)
    runs = checks.check_executed(log, ids, STEPS)
    repeated = {pair: pids for pair, pids in runs.items() if len(pids) > 1}
    assert not repeated, f"steps executed twice without any fault: {list(repeated.items())[:5]}"

    split = checks.committed_by_pid(db)
    pids = {proc.pid for proc in workers}
    assert set(split) == pids, f"work went to {sorted(split)}, workers are {sorted(pids)}"
    fair = WORKFLOWS * STEPS / WORKERS
    assert all(count >= fair / 5 for count in split.values()), dict(split)
    assert all(proc.poll() is None for proc in workers)
    for proc in workers:
        assert procs.stop(proc) == 0, procs.stderr(proc)[-2000:]
    shares = {pid: f"{count / (WORKFLOWS * STEPS):.1%}" for pid, count in split.items()}
    print(
        f"workflows={WORKFLOWS} steps={WORKFLOWS * STEPS} wall={wall:.1f}s "
        f"steps_per_s={WORKFLOWS * STEPS / wall:.0f} split={dict(split)} shares={shares}"
    )
