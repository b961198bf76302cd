"""Updates and pauses survive SIGKILL: an update is applied once, a pause outlives a worker."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from tests.recovery import crashapp, operateapp
from tests.recovery.conftest import LEASE, Procs, wait_for

MODULE = "tests.recovery.operateapp"


@pytest.fixture
def ops(database_url: str) -> Any:
    built = operateapp.build(database_url, lease_seconds=LEASE)
    built.app.store  # noqa: B018 - create the schema before any worker starts
    try:
        yield built
    finally:
        built.app.close()


def applied(ops: operateapp.OperateApp, workflow_id: str) -> list[dict[str, Any]]:
    return [
        json.loads(e.payload or "{}")
        for e in ops.app.store.load_history(workflow_id)
        if e.kind == "update"
    ]


@pytest.mark.slow
def test_update_killed_mid_application_is_applied_once(
    procs: Procs, ops: operateapp.OperateApp, log: str
) -> None:
    handle = ops.app.start(ops.cart, log, id="cart")
    first = procs.spawn("serve", module=MODULE, OPERATEAPP_LOG=log)
    wait_for(lambda: handle.status() == "waiting", 20, "the cart to wait")
    assert handle.update("add", "a", timeout=10) == 1

    answers: list[Any] = []
    caller = threading.Thread(
        target=lambda: answers.append(handle.update("add", "slow-b", timeout=30, id="u-b"))
    )
    caller.start()
    wait_for(
        lambda: any(w[:2] == ["apply", "slow-b"] for w in crashapp.read_lines(log)),
        10,
        "the slow update to be in its handler",
    )
    procs.kill9(first)  # in the middle of the handler: nothing of it is recorded yet
    procs.spawn("serve", module=MODULE, OPERATEAPP_LOG=log)
    caller.join(timeout=30)
    assert answers == [2]  # the caller that waited through the crash gets the one answer
    assert handle.update("add", "slow-b", timeout=10, id="u-b") == 2  # same id: same update
    assert handle.update("close", timeout=10) == "closed"
    assert handle.result(timeout=15) == {"items": ["a", "slow-b"], "n": 2}

    outcomes = applied(ops, "cart")
    assert [o["outcome"] for o in outcomes] == ["applied"] * 3  # a, slow-b once, close
    assert [o["id"] for o in outcomes].count("u-b") == 1
    pids = {w[2] for w in crashapp.read_lines(log) if w[:2] == ["apply", "slow-b"]}
    assert first.pid is not None and str(first.pid) in pids  # it really was killed inside


@pytest.mark.slow
def test_paused_workflow_stays_paused_across_worker_restart(
    procs: Procs, ops: operateapp.OperateApp, log: str
) -> None:
    total = 12
    handle = ops.app.start(ops.steps, log, total, id="steps")
    first = procs.spawn("serve", module=MODULE)
    wait_for(lambda: len(crashapp.read_lines(log)) >= 3, 20, "three steps")
    assert handle.pause() is True
    # the pause is seen within about a second: the step in flight finishes, nothing after it
    time.sleep(1.5)
    done = len(crashapp.read_lines(log))
    assert done < total
    procs.kill9(first)
    second = procs.spawn("serve", module=MODULE)
    wait_for(
        lambda: b" up" in (procs.tmp_path / f"{procs.names[second.pid]}.out").read_bytes(),
        20,
        "the second worker",
    )
    time.sleep(2 * LEASE + 1.0)  # long past the dead worker's lease: still nothing runs
    assert len(crashapp.read_lines(log)) == done
    assert handle.status() != "completed"
    assert handle.unpause() is True
    assert handle.result(timeout=20) == sum(range(total))
    ran = sorted({int(w[0]) for w in crashapp.read_lines(log)})
    assert ran == list(range(total))
    assert len(crashapp.read_lines(log)) <= total + 1  # at most the killed step twice
    assert procs.stop(second) == 0
