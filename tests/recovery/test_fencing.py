"""Leases with fencing (ARCHITECTURE decision 4): a stale owner's writes are rejected."""

from __future__ import annotations

import signal

import pytest

from podium import errors, serialization
from podium.store import base
from tests.recovery import crashapp
from tests.recovery.conftest import wait_for


def event(seq: int, payload: str) -> base.HistoryEvent:
    """A completed step event at `seq`."""
    return base.HistoryEvent("f", seq, "step", "s", "completed", serialization.dumps(payload))


def test_takeover_bumps_epoch_and_fences_the_old_owner(crash):
    store = crash.app.store
    store.create_workflow(base.NewWorkflow(id="f", workflow="hold", input="[]"), 100.0)
    first = store.claim_one("f", "A", 100.0, 1.0)
    assert first is not None and not first.takeover
    assert store.claim_one("f", "B", 100.5, 1.0) is None  # lease still held

    second = store.claim_one("f", "B", 101.5, 1.0)
    assert second is not None and second.takeover
    assert second.fence.epoch == first.fence.epoch + 1

    with pytest.raises(errors.LeaseLost):
        store.append_history(first.fence, event(0, "from A"))
    store.append_history(second.fence, event(0, "from B"))
    with pytest.raises(errors.LeaseLost):
        store.append_history(first.fence, event(1, "from A"))
    with pytest.raises(errors.LeaseLost):
        store.finish(first.fence, base.Outcome("completed", serialization.dumps("A")), 101.6)
    store.finish(second.fence, base.Outcome("completed", serialization.dumps("B")), 101.7)

    assert [(e.seq, serialization.loads(e.payload)) for e in store.load_history("f")] == [
        (0, "from B")
    ]
    record = store.get_workflow("f")
    assert record is not None and record.status == "completed"
    assert serialization.loads(record.output) == "B"


@pytest.mark.slow
def test_paused_worker_loses_its_lease_and_its_late_writes(procs, crash, log):
    crash.app.start(crash.hold, log, "held", 2.0, id="held")
    first = procs.worker(1)
    wait_for(lambda: ["held", "start", str(first.pid)] in crashapp.read_lines(log), 30, "step")
    first.send_signal(signal.SIGSTOP)

    second = procs.worker(1)
    assert crash.app.get("held").result(timeout=30) == {"pid": second.pid}

    first.send_signal(signal.SIGCONT)
    wait_for(lambda: "lease lost" in procs.stderr(first), 30, "the lease-lost warning")
    assert ["held", "end", str(first.pid)] in crashapp.read_lines(log)  # its step did finish
    assert first.poll() is None, procs.stderr(first)  # warned, did not crash
    assert "Traceback" not in procs.stderr(first)

    history = crash.app.store.load_history("held")
    assert [(e.seq, e.status, serialization.loads(e.payload)) for e in history] == [
        (0, "completed", second.pid)
    ]
    assert crash.app.get("held").result(timeout=1) == {"pid": second.pid}
    assert procs.stop(first) == 0
    assert procs.stop(second) == 0
