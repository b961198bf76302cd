"""SIGKILL a worker in the middle of an ASL Task: the execution ends as if nothing happened.

The state before the kill (Reserve) is never run again, the Task in flight (Charge) runs once
more on the surviving worker, the durable Wait and the Parallel after it run once, and the
output equals that of an execution no one killed.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

import podium
from podium import serialization
from tests.recovery import aslapp, crashapp
from tests.recovery.conftest import GRACE, LEASE, Procs, wait_for


@pytest.fixture
def app(database_url: str) -> Iterator[podium.App]:
    """The ASL app on the test's store, to start and inspect from the test."""
    built = aslapp.build(database_url, lease_seconds=LEASE, suspend_grace=GRACE)
    built.store  # noqa: B018 - create the schema before any worker starts
    try:
        yield built
    finally:
        built.close()


def spawn_worker(procs: Procs) -> subprocess.Popen[bytes]:
    """Start `python -m tests.recovery.aslapp worker`; `procs` reaps it at teardown."""
    return procs.spawn("worker", module="tests.recovery.aslapp")


def tasks(log: str, order: str) -> list[tuple[str, int]]:
    """(task, pid) of every Task run for `order`, in log order."""
    return [(t, int(pid)) for o, t, pid in crashapp.read_lines(log) if o == order]


def steps(app: podium.App, workflow_id: str) -> list[tuple[str, str]]:
    """(step, status) of the workflow's checkpointed Task calls, in history order."""
    return [(e.name, e.status) for e in app.store.load_history(workflow_id) if e.kind == "step"]


def normalized(output: dict[str, Any], order: str) -> Any:
    """The output with the order's name and hold file left out, to compare two orders."""
    rest = {k: v for k, v in output.items() if k != "hold"}
    return json.loads(json.dumps(rest).replace(order, "<order>"))


@pytest.mark.timeout(120)
def test_sigkill_during_a_task_resumes_at_that_state(procs, app, log, tmp_path):
    hold = tmp_path / "hold"
    hold.touch()
    base = {"a": 2, "b": 3, "log": log}
    crashed = app.start("order", {**base, "order": "crashed", "hold": str(hold)}, id="crashed")
    first = spawn_worker(procs)
    wait_for(
        lambda: ("charge.start", first.pid) in tasks(log, "crashed"),
        30,
        "the worker to be running the Charge task",
    )
    procs.kill9(first)
    hold.unlink()
    ref = app.start("order", {**base, "order": "ref", "hold": str(tmp_path / "never")}, id="ref")
    second = spawn_worker(procs)
    out_crashed = crashed.result(timeout=60)
    out_ref = ref.result(timeout=60)
    assert procs.stop(second) == 0

    assert normalized(out_crashed, "crashed") == normalized(out_ref, "ref")
    assert out_crashed["payment"] == {"charged": 5}
    assert out_crashed["shipping"] == ["L-crashed", "sent"]
    assert steps(app, "crashed") == steps(app, "ref")
    ran = tasks(log, "crashed")
    assert Counter(t for t, _ in ran) == {
        "reserve": 1,  # checkpointed before the kill: replayed, never run again
        "charge.start": 2,  # in flight at the kill, then run by the survivor
        "charge.done": 1,
        "label": 1,
        "notify": 1,
    }
    assert ran[0] == ("reserve", first.pid)
    assert {pid for t, pid in ran[2:]} == {second.pid}
    record = app.store.get_workflow("crashed")
    assert record is not None and serialization.loads(record.output) == out_crashed
