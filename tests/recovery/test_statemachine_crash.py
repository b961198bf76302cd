"""SIGKILL a worker while a state machine's `on_enter` action runs: as if no crash had happened.

The ticket goes open -> in_progress -> resolved -> closed. Leaving "open" runs `assign`;
entering "resolved" runs `notify`, which the test holds and kills the worker in. A second
worker takes the instance's workflow over, replays `assign` from history, reruns only
`notify`, and acts on the "close" sent while no worker was alive.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from podium import serialization
from tests.recovery import crashapp, machineapp
from tests.recovery.conftest import GRACE, LEASE, Procs, wait_for


@pytest.fixture
def machine(database_url: str) -> Iterator[machineapp.MachineApp]:
    """The ticket machine on the test's store, to create, send and inspect from the test."""
    built = machineapp.build(database_url, lease_seconds=LEASE, suspend_grace=GRACE)
    built.app.store  # noqa: B018 - create the schema before any worker starts
    try:
        yield built
    finally:
        built.app.close()


def spawn_worker(procs: Procs) -> subprocess.Popen[bytes]:
    """Start `python -m tests.recovery.machineapp worker`; `procs` reaps it at teardown."""
    return procs.spawn("worker", module="tests.recovery.machineapp")


def actions(log: str, instance: str) -> list[tuple[str, int]]:
    """(action, pid) of every action run for `instance`, in log order."""
    return [(a, int(pid)) for i, a, pid in crashapp.read_lines(log) if i == instance]


def outcome(built: machineapp.MachineApp, instance: str) -> dict[str, Any]:
    """What a user can observe of a finished instance, minus ids, times and log paths.

    The durable waits between steps are left out: how many transitions one wait takes
    depends on timing, not on the crash.
    """
    app, ticket = built.app, built.ticket
    record = app.store.get_workflow(ticket.workflow_id(instance))
    assert record is not None
    steps = [
        (e.kind, e.name, e.status, serialization.loads(e.payload))
        for e in app.store.load_history(record.id)
        if e.kind == "step"
    ]
    return {
        "status": record.status,
        "result": serialization.loads(record.output),
        "state": ticket.state(instance),
        "version": ticket.get(instance).version,
        "transitions": [(h.seq, h.event, h.source, h.target) for h in ticket.history(instance)],
        "steps": [
            (kind, name, status, value.replace(instance, "<id>") if name == "notify" else value)
            for kind, name, status, value in steps
        ],
    }


@pytest.mark.timeout(120)
def test_sigkill_during_an_on_enter_action_ends_as_if_no_crash(procs, machine, log, tmp_path):
    ticket, hold = machine.ticket, tmp_path / "hold"
    hold.touch()
    ticket.create("crashed", {"log": log, "hold": str(hold)})
    ticket.create("ref", {"log": log, "hold": str(tmp_path / "never-held")})
    first = spawn_worker(procs)
    ticket.send("crashed", "start")
    ticket.send("crashed", "resolve")
    wait_for(
        lambda: ("notify.start", first.pid) in actions(log, "crashed"),
        30,
        "the worker to be running notify",
    )
    procs.kill9(first)
    ticket.send("crashed", "close")  # no worker alive: the transition still commits
    assert ticket.state("crashed") == "closed"
    hold.unlink()

    second = spawn_worker(procs)
    for event in ("start", "resolve", "close"):
        ticket.send("ref", event)
    assert ticket.handle("crashed").result(timeout=60) == {"state": "closed", "transitions": 3}
    assert ticket.handle("ref").result(timeout=60) == {"state": "closed", "transitions": 3}
    assert procs.stop(second) == 0

    assert outcome(machine, "crashed") == outcome(machine, "ref")
    assert outcome(machine, "crashed")["steps"] == [
        ("step", "ticket.on_exit.open.assign", "completed", "assigned"),
        ("step", "notify", "completed", "notified about <id>"),
    ]
    ran = actions(log, "crashed")
    assert Counter(a for a, _ in ran) == {
        "assign": 1,  # completed before the kill: replayed, never run again
        "notify.start": 2,  # in flight at the kill, then run by the survivor
        "notify.done": 1,
    }
    assert ran[0] == ("assign", first.pid)
    assert ran[-1] == ("notify.done", second.pid)
    assert Counter(a for a, _ in actions(log, "ref")) == {
        "assign": 1,
        "notify.start": 1,
        "notify.done": 1,
    }
