"""A worker stalled (SIGSTOP) longer than its lease re-runs a step at most once (issue 16, 1).

Defect 1: after a stall longer than the lease the worker took its own workflows back, and its
lease keeper tracked workflow ids, not runs, so the fenced stale run's cleanup stopped the
renewal of the live run: the lease lapsed, the same worker claimed it again, and a 6 s step
ran 62 times in 60 s without committing. Here one worker with a 2 s lease runs 8 workflows
whose step sleeps 4 s; it is stopped for 3 s while the steps run, then continued. Each step
may run once more (the stall cost the lease) but no more, and every workflow completes.
"""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from tests.recovery import crashapp
from tests.recovery.conftest import wait_for

WORKFLOWS = 8
STEP_SECONDS = 4.0
STALL = 3.0
LEASE = "2"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_worker_stalled_past_its_lease_reruns_each_step_at_most_once(procs, crash, log):
    ids = [f"stalled-{i}" for i in range(WORKFLOWS)]
    worker = procs.worker(WORKFLOWS, PODIUM_LEASE_SECONDS=LEASE)
    for wf_id in ids:
        crash.app.start(crash.hold, log, wf_id, STEP_SECONDS, id=wf_id)

    def started() -> Counter[str]:
        return Counter(w[0] for w in crashapp.read_lines(log) if w[1] == "start")

    wait_for(lambda: len(started()) == WORKFLOWS, 30, "every step to start")
    worker.send_signal(signal.SIGSTOP)
    time.sleep(STALL)
    worker.send_signal(signal.SIGCONT)

    for wf_id in ids:
        assert crash.app.get(wf_id).result(timeout=60) == {"pid": worker.pid}
    time.sleep(2 * STEP_SECONDS)  # a run-away re-execution would start again in this window
    runs = started()
    assert all(runs[wf_id] <= 2 for wf_id in ids), f"steps re-ran more than once: {runs}"
    assert worker.poll() is None, procs.stderr(worker)[-2000:]
    assert "Traceback" not in procs.stderr(worker)
    assert procs.stop(worker) == 0
    print(f"starts per workflow after a {STALL}s stall with a {LEASE}s lease: {dict(runs)}")
