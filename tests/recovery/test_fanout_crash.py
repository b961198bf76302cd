"""SIGKILL a worker in the middle of a fan-out: the outcome is as if no crash had happened.

The ETL submits one child task per partition and gathers them. The worker is killed while
the last partitions run and the others have completed. Another worker takes the in-flight
children over; the completed ones are never run again, the last child to finish wakes the
parent, and the parent completes with the same result and the same history as a run without
a crash.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

import podium
from podium import serialization
from tests.recovery import crashapp, fanoutapp
from tests.recovery.conftest import GRACE, LEASE, Procs, wait_for

N = 12


@pytest.fixture
def etl(database_url: str) -> Iterator[fanoutapp.FanoutApp]:
    """The ETL on the test's store, for starting and inspecting from the test."""
    built = fanoutapp.build(database_url, lease_seconds=LEASE, suspend_grace=GRACE)
    built.app.store  # noqa: B018 - create the schema before any worker starts
    try:
        yield built
    finally:
        built.app.close()


def spawn_worker(procs: Procs) -> subprocess.Popen[bytes]:
    """Start `python -m tests.recovery.fanoutapp worker`; `procs` reaps it at teardown."""
    return procs.spawn("worker", module="tests.recovery.fanoutapp")


def runs(log: str) -> list[tuple[int, str, int]]:
    """(partition, action, pid) of every line of `log`, in order."""
    return [(int(p), action, int(pid)) for p, action, pid in crashapp.read_lines(log)]


def completed_children(app: podium.App, wf_id: str) -> int:
    """How many children of `wf_id` the store holds as completed."""
    rows = app.store.connector.query(
        "SELECT COUNT(*) AS n FROM podium_workflows WHERE parent_id = :p AND status = 'completed'",
        {"p": wf_id},
    )
    return int(rows[0]["n"])


def observable(app: podium.App, wf_id: str) -> dict[str, Any]:
    """What a user can observe of the finished ETL, with its own id taken out."""
    record = app.store.get_workflow(wf_id)
    assert record is not None
    history = [
        (e.seq, e.kind, e.name, e.status, serialization.loads(e.payload))
        for e in app.store.load_history(wf_id)
    ]
    kids = app.store.connector.query(
        "SELECT id, status FROM podium_workflows WHERE parent_id = :p", {"p": wf_id}
    )
    return {
        "status": record.status,
        "output": serialization.loads(record.output),
        "history": [
            (s, k, n, st, {"id": p["id"].removeprefix(wf_id)} if k == "child" else p)
            for s, k, n, st, p in history
        ],
        "children": sorted((r["id"].removeprefix(wf_id), r["status"]) for r in kids),
    }


@pytest.mark.timeout(120)
def test_sigkill_mid_fanout_ends_as_if_no_crash(procs, etl, tmp_path):
    ref_log, log, hold = str(tmp_path / "ref.log"), str(tmp_path / "steps.log"), tmp_path / "hold"
    assert etl.app.run(etl.etl, N, ref_log, str(hold), id="ref") == fanoutapp.expected(N)

    hold.touch()
    handle = etl.app.start(etl.etl, N, log, str(hold), id="crashed")
    first = spawn_worker(procs)
    held = set(range(N - fanoutapp.HELD, N))
    wait_for(
        lambda: (
            {p for p, a, _ in runs(log) if a == "start"} == set(range(N))
            and completed_children(etl.app, "crashed") == N - len(held)
            and handle.status() == "waiting"
        ),
        30,
        "the free partitions to complete, the held ones to run and the parent to wait",
    )
    procs.kill9(first)
    hold.unlink()
    second = spawn_worker(procs)
    assert handle.result(timeout=60) == fanoutapp.expected(N)
    assert procs.stop(second) == 0

    ran = runs(log)
    assert Counter(p for p, a, _ in ran if a == "done") == Counter(range(N)), "each done once"
    starts = Counter(p for p, a, _ in ran if a == "start")
    assert {p: starts[p] for p in range(N) if p not in held} == {
        p: 1 for p in range(N) if p not in held
    }, "completed partitions are never run again"
    assert {starts[p] for p in held} == {2}, "in-flight partitions are run again, once"
    assert {pid for p, a, pid in ran if a == "done" and p in held} == {second.pid}
    assert observable(etl.app, "crashed") == observable(etl.app, "ref")
