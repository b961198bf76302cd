"""SIGKILL a worker during a breaker's half-open trial call: the outcome is as if no crash.

The workflow trips the breaker (two failing probes), is refused while it is open, waits out
the cooldown durably and runs `charge` as the half-open trial call. The worker is killed while
that trial runs. Another worker takes the workflow over, replays the probes and the refusal
from history and runs `charge` again as the same trial (a step position keeps its trial slot),
so the breaker makes the same transitions and ends closed, as in a run without the crash.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import podium
from podium.patterns import circuit
from tests.recovery import circuitapp, crashapp
from tests.recovery.conftest import GRACE, LEASE, Procs, wait_for
from tests.recovery.test_saga_crash import _comparable

SETTINGS: dict[str, Any] = {"lease_seconds": LEASE, "suspend_grace": GRACE, "poll_interval": 0.05}


@pytest.fixture
def built(database_url: str) -> Iterator[circuitapp.CircuitApp]:
    """The payment workflow on the test's store, for starting and inspecting from the test."""
    made = circuitapp.build(database_url, **SETTINGS)
    made.app.store  # noqa: B018 - create the schema before any worker starts
    try:
        yield made
    finally:
        made.app.close()


def spawn_worker(procs: Procs) -> subprocess.Popen[bytes]:
    """Start `python -m tests.recovery.circuitapp worker`; `procs` reaps it at teardown."""
    return procs.spawn("worker", module="tests.recovery.circuitapp")


def actions(log: str, wf_id: str) -> list[tuple[str, int]]:
    """(action, pid) of every step run of `wf_id`, in log order."""
    return [(a, int(pid)) for w, a, pid in crashapp.read_lines(log) if w == wf_id]


def outcome(app: podium.App, wf_id: str) -> dict[str, Any]:
    """What a user can observe of the workflow and the breaker, minus ids and times."""
    record = app.store.get_workflow(wf_id)
    assert record is not None
    return {
        "status": record.status,
        "output": record.output,
        "history": [
            (e.seq, e.kind, e.name, e.status, e.attempt, _comparable(e.status, e.payload))
            for e in app.store.load_history(wf_id)
        ],
        "attempts": [
            (a.seq, a.attempt, a.name, a.error_type) for a in app.store.load_attempts(wf_id)
        ],
        "breaker": app.breaker_state("payments"),
        "transitions": [
            (e.from_state, e.to_state, e.reason, e.failure_rate, e.calls, e.failures)
            for e in circuit.transitions(app.store, "payments")
        ],
    }


@pytest.mark.timeout(120)
def test_sigkill_during_the_trial_call_ends_as_if_no_crash(procs, built, log, tmp_path: Path):
    reference = circuitapp.build(f"sqlite:///{tmp_path / 'reference.db'}", **SETTINGS)
    hold = tmp_path / "hold"
    try:
        assert reference.app.run(reference.pay, log, "ref", str(hold), id="ref") == "receipt-1"
        expected = outcome(reference.app, "ref")
    finally:
        reference.app.close()

    hold.touch()
    built.app.start(built.pay, log, "crashed", str(hold), id="crashed")
    first = spawn_worker(procs)
    wait_for(
        lambda: ("charge.start", first.pid) in actions(log, "crashed"),
        30,
        "the trial call to be running",
    )
    assert built.app.breaker_state("payments") == "half_open"
    procs.kill9(first)
    hold.unlink()
    second = spawn_worker(procs)
    assert built.app.get("crashed").result(timeout=60) == "receipt-1"
    assert procs.stop(second) == 0

    assert outcome(built.app, "crashed") == expected
    assert [t[:2] for t in expected["transitions"]] == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
    ]
    assert [a[3] for a in expected["attempts"]] == ["CircuitOpenError"]
    ran = actions(log, "crashed")
    assert Counter(a for a, _ in ran) == {"probe": 2, "charge.start": 2, "charge.done": 1}
    assert [pid for a, pid in ran if a != "charge.done"] == [first.pid] * 3 + [second.pid]
    assert Counter(a for a, _ in actions(log, "ref")) == {
        "probe": 2,
        "charge.start": 1,
        "charge.done": 1,
    }
