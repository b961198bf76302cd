"""A worker paused past its lease (SIGSTOP) cannot commit over the new owner on PostgreSQL.

Worker A starts a long step and is frozen; its heartbeat stops, so after the lease worker B
takes the workflow over (the claim bumps the epoch) and runs the step again, more slowly.
A is thawed while B is still inside the step: A's step finishes first and A tries to commit
position 0 while B owns the workflow. The fenced insert is rejected; A logs the lost lease
and carries on; B's result is the one stored.
"""

from __future__ import annotations

import signal

import pytest

from podium import serialization
from tests.distributed.conftest import LEASE, wait_for
from tests.recovery import crashapp

FIRST_RUN = 1.5 * LEASE
LATER_RUN = 4 * LEASE


def started_by(log: str, wf_id: str, pid: int) -> bool:
    """Whether worker `pid` has started the step of `wf_id`."""
    return [wf_id, "start", str(pid)] in crashapp.read_lines(log)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_paused_worker_cannot_commit_over_the_new_owner(procs, dist, db, log):
    first = procs.worker(1)
    procs.wait_up(first)
    handle = dist.app.start(dist.hold, log, "held", FIRST_RUN, LATER_RUN, id="held")
    wait_for(lambda: started_by(log, "held", first.pid), 30, "A to start the step")
    first.send_signal(signal.SIGSTOP)
    epoch_a = db.value("SELECT lease_epoch FROM podium_workflows WHERE id = 'held'")

    second = procs.worker(1)
    wait_for(lambda: started_by(log, "held", second.pid), 30, "B to take over")
    owner, epoch_b = db.rows("SELECT lease_owner, lease_epoch FROM podium_workflows")[0]
    assert f":{second.pid}:" in owner and epoch_b == epoch_a + 1

    first.send_signal(signal.SIGCONT)
    wait_for(lambda: "lease lost" in procs.stderr(first), 30, "A's lease-lost warning")
    assert ["held", "end", str(first.pid)] in crashapp.read_lines(log)  # A's step did finish
    assert ["held", "end", str(second.pid)] not in crashapp.read_lines(log)  # B's had not
    assert db.value("SELECT COUNT(*) FROM podium_history") == 0  # A's write was rejected

    assert handle.result(timeout=60) == {"pid": second.pid}
    history = db.rows("SELECT seq, status, payload FROM podium_history")
    assert [(seq, status, serialization.loads(p)) for seq, status, p in history] == [
        (0, "completed", second.pid)
    ]
    assert first.poll() is None and "Traceback" not in procs.stderr(first)
    assert procs.stop(first) == 0
    assert procs.stop(second) == 0
