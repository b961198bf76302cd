"""SIGKILL a worker in the middle of compensating: the outcome is as if no crash had happened.

The trip saga books a car and a flight, fails to book the hotel, and compensates: it cancels
the flight, then the car. The worker is killed while `cancel_car` runs (after `cancel_flight`
completed). Another worker takes the workflow over, replays the failure and the completed
compensation from history, and runs only `cancel_car` again.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

import podium
from podium import serialization
from tests.recovery import crashapp, sagaapp
from tests.recovery.conftest import GRACE, LEASE, Procs, wait_for


@pytest.fixture
def saga(database_url: str) -> Iterator[sagaapp.SagaApp]:
    """The trip workflows on the test's store, for starting and inspecting from the test."""
    built = sagaapp.build(database_url, lease_seconds=LEASE, suspend_grace=GRACE)
    built.app.store  # noqa: B018 - create the schema before any worker starts
    try:
        yield built
    finally:
        built.app.close()


def spawn_worker(procs: Procs) -> subprocess.Popen[bytes]:
    """Start `python -m tests.recovery.sagaapp worker`; `procs` reaps it at teardown."""
    return procs.spawn("worker", module="tests.recovery.sagaapp")


def actions(log: str, wf_id: str) -> list[tuple[str, int]]:
    """(action, pid) of every step run of `wf_id`, in log order."""
    return [(a, int(pid)) for w, a, pid in crashapp.read_lines(log) if w == wf_id]


def outcome(app: podium.App, wf_id: str) -> dict[str, Any]:
    """What a user can observe of a finished workflow, minus ids, times and tracebacks."""
    record = app.store.get_workflow(wf_id)
    assert record is not None
    steps = [
        (e.seq, e.kind, e.name, e.status, _comparable(e.status, e.payload))
        for e in app.store.load_history(wf_id)
    ]
    return {
        "status": record.status,
        "error": (record.error_type, record.error_message),
        "history": steps,
        "retried": [(a.seq, a.name) for a in app.store.load_attempts(wf_id)],
    }


def _comparable(status: str, payload: str | None) -> Any:
    value = serialization.loads(payload) if payload else None
    if status == "failed" and isinstance(value, dict):
        return (value.get("type"), value.get("message"))  # not the traceback
    return value


@pytest.mark.timeout(120)
@pytest.mark.parametrize("flavour", ["trip", "atrip"])
def test_sigkill_while_compensating_ends_as_if_no_crash(procs, saga, log, tmp_path, flavour):
    workflow = getattr(saga, flavour)
    hold = tmp_path / "hold"
    with pytest.raises(podium.WorkflowFailed):  # the reference: the same saga, no crash
        saga.app.run(workflow, log, "ref", str(hold), id="ref")

    hold.touch()
    saga.app.start(workflow, log, "crashed", str(hold), id="crashed")
    first = spawn_worker(procs)
    wait_for(
        lambda: ("cancel_car.start", first.pid) in actions(log, "crashed"),
        30,
        "the worker to be compensating",
    )
    procs.kill9(first)
    hold.unlink()
    second = spawn_worker(procs)
    with pytest.raises(podium.WorkflowFailed) as caught:
        saga.app.get("crashed").result(timeout=60)
    assert caught.value.error_type == "HotelUnavailable"
    assert procs.stop(second) == 0

    assert outcome(saga.app, "crashed") == outcome(saga.app, "ref")
    assert [name for _, _, name, _, _ in outcome(saga.app, "crashed")["history"]] == [
        f"{'a' if flavour == 'atrip' else ''}book_car",
        "book_flight",
        "book_hotel",
        "saga",
        "book_flight.compensate",
        f"{'a' if flavour == 'atrip' else ''}cancel_car",
    ]
    ran = actions(log, "crashed")
    assert Counter(a for a, _ in ran) == {
        "book_car": 1,
        "book_flight": 1,
        "book_hotel": 1,
        "cancel_flight": 1,  # completed before the kill: replayed, never run again
        "cancel_car.start": 2,  # in flight at the kill, then run by the survivor
        "cancel_car.done": 1,
    }
    assert [pid for a, pid in ran if a != "cancel_car.start"] == [first.pid] * 4 + [second.pid]
    assert Counter(a for a, _ in actions(log, "ref")) == {
        "book_car": 1,
        "book_flight": 1,
        "book_hotel": 1,
        "cancel_flight": 1,
        "cancel_car.start": 1,
        "cancel_car.done": 1,
    }
