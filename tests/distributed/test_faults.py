"""Real connection faults: the workers' PostgreSQL backends are terminated under load.

`pg_terminate_backend` on every connection of this test's workers (their pools and LISTEN
connections, named by `worker_application`) several times while 2,000 workflows run. Workers
log the fault, back off, reconnect and carry on: every workflow completes once with the
right result, no position is committed twice, and no worker process dies. A step whose
checkpoint was cut off runs again (steps are at-least-once); the count is printed.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import pytest

from tests.distributed import checks
from tests.distributed.conftest import Db, wait_for

WORKERS = 4
CONCURRENCY = 4
WORKFLOWS = 2000
STEPS = 5
PAUSE = 0.002
RATE = 200.0
"""Workflows started per second, so the load lasts long enough for several rounds."""
ROUNDS = 5
MIN_ROUNDS = 3
FAULT_LOGS = {
    "listen": "LISTEN connection lost",
    "store": "the store failed",
    "claim": "claiming failed",
    "outcome": "was not stored",
    "renewal": "lease renewal",
    "hand_back": "could not hand it back",
}


def terminate_repeatedly(db: Db, feeder: checks.Feeder, rng: random.Random) -> list[int]:
    """Terminate the workers' backends up to ROUNDS times while work arrives; counts."""
    rounds: list[int] = []
    while len(rounds) < ROUNDS and feeder.feeding():
        time.sleep(rng.uniform(0.8, 1.6))
        rounds.append(db.terminate_workers())
    return rounds


def fault_logs(text: str) -> Counter[str]:
    """How often each kind of fault message appears in a worker's stderr."""
    return Counter(
        {kind: len(re.findall(re.escape(phrase), text)) for kind, phrase in FAULT_LOGS.items()}
    )


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_workers_survive_terminated_backends(procs, dist, db, log):
    rng = random.Random()
    workers = [procs.worker(CONCURRENCY) for _ in range(WORKERS)]
    procs.wait_up(*workers)
    ids = [f"chain-{i:05d}" for i in range(WORKFLOWS)]
    feeder = checks.Feeder(dist, log, ids, STEPS, PAUSE, RATE)
    wait_for(lambda: db.finished() > 0, 60, "the first finished workflow")

    rounds = terminate_repeatedly(db, feeder, rng)
    feeder.join()
    assert len(rounds) >= MIN_ROUNDS and all(rounds), rounds
    checks.wait_all_finished(db, WORKFLOWS, timeout=180)

    checks.check_results(db, ids, STEPS)
    checks.check_history(db, ids, STEPS)
    runs = checks.check_executed(log, ids, STEPS)
    assert all(proc.poll() is None for proc in workers), "a worker died"
    logs = sum((fault_logs(procs.stderr(proc)) for proc in workers), Counter[str]())
    assert logs["listen"] >= len(rounds), logs  # every worker's listener saw every round
    for proc in workers:
        assert procs.stop(proc) == 0, procs.stderr(proc)[-2000:]
    rerun = db.value("SELECT COUNT(*) FROM podium_workflows WHERE runs > 1")
    print(
        f"rounds={len(rounds)} backends_terminated={rounds} "
        f"steps_executed_twice={sum(1 for p in runs.values() if len(p) > 1)} "
        f"workflows_rerun={rerun} fault_logs={dict(logs)} "
        f"split={dict(checks.committed_by_pid(db))}"
    )
