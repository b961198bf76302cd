"""Zombie takeovers, 20 rounds per store: a frozen owner's late writes never land (issue 16).

The test command runs 6 rounds per store (both thaw orders, three times each; about 20 s a
store); `PODIUM_ZOMBIE_ROUNDS=20 pytest tests/chaos/test_zombies.py` runs the full 20.

Two worker processes (one slot each) serve one store. In each round a workflow starts; the
worker that begins its long first step is frozen (SIGSTOP) past its lease, the other takes
the workflow over (the claim bumps the epoch) and runs its steps, and the zombie is thawed
(SIGCONT): in even rounds after the workflow completed, in odd rounds while the new owner
is still inside the step (the zombie's step ends first and it tries to commit first). The
zombie's step does finish (the side log shows it), yet:

- nothing it does after losing its lease is committed: every history record names the new
  owner, read after the zombie's late attempt was refused (its "lease lost" warning);
- each step position is committed once (one completed record per position);
- every workflow ends with the reference output, and the zombie lives on (warned, no
  traceback) to be the taker of a later round.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import podium
from podium import serialization
from tests.chaos import harness, zombieapp
from tests.recovery.conftest import Procs, wait_for
from tests.recovery.crashapp import read_lines

ROUNDS = int(os.environ.get("PODIUM_ZOMBIE_ROUNDS", "6"))
LEASE = 1.0
HOLD = 2.0 * LEASE
"""Step a's length: the taker is still inside it when an odd round thaws the zombie."""
MODULE = "tests.chaos.zombieapp"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store of each kind: a SQLite file, or a new schema on the shared server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'podium.db'}"
        return
    from tests import pg

    with pg.fresh_schema() as url:
        yield url


def starter(log: str, wf_id: str) -> int | None:
    """The pid of the first worker that started step a of `wf_id`."""
    for words in read_lines(log):
        if words[:3] == [wf_id, "a", "start"]:
            return int(words[3])
    return None


def logged(log: str, wf_id: str, label: str, phase: str, pid: int) -> bool:
    """Whether `pid` logged `phase` of step `label` of `wf_id`."""
    return [wf_id, label, phase, str(pid)] in read_lines(log)


def one_round(
    n: int,
    app: podium.App,
    db: harness.Db,
    log: str,
    procs: Procs,
    workers: dict[int, subprocess.Popen[bytes]],
) -> None:
    """Freeze the owner of round `n`'s workflow, let the other take over, thaw; check."""
    wf_id = f"zombie-{n:02d}"
    handle = app.start("relay", log, wf_id, HOLD, id=wf_id)
    zombie_pid = wait_for(lambda: starter(log, wf_id), 30, f"{wf_id} to start")
    zombie = workers[zombie_pid]
    (taker_pid,) = [pid for pid in workers if pid != zombie_pid]
    warned = procs.stderr(zombie).count("lease lost")
    zombie.send_signal(signal.SIGSTOP)
    try:
        wait_for(lambda: logged(log, wf_id, "a", "start", taker_pid), 30, f"{wf_id} takeover")
        if n % 2 == 0:
            assert handle.result(timeout=30) == zombieapp.expected(wf_id)
    finally:
        zombie.send_signal(signal.SIGCONT)
    wait_for(lambda: logged(log, wf_id, "a", "end", zombie_pid), 30, "the zombie's step end")
    wait_for(
        lambda: procs.stderr(zombie).count("lease lost") > warned, 30, "the zombie's lease lost"
    )
    assert handle.result(timeout=30) == zombieapp.expected(wf_id)
    history = history_of(db, wf_id)
    positions = [(seq, status) for seq, status, _ in history]
    assert positions == [(0, "completed"), (1, "completed"), (2, "completed")], history
    committed_by = {payload["pid"] for _, _, payload in history}
    assert committed_by == {taker_pid}, f"{wf_id}: the zombie {zombie_pid} committed {history}"
    for label in ("b", "c"):
        assert not logged(log, wf_id, label, "start", zombie_pid), f"{wf_id}: zombie ran {label}"


def history_of(db: harness.Db, wf_id: str) -> list[tuple[int, str, dict[str, Any]]]:
    """(position, status, payload) of each history record of `wf_id`."""
    rows = db.rows(
        "SELECT seq, status, payload FROM podium_history WHERE workflow_id = ? ORDER BY seq",
        wf_id,
    )
    return [(int(seq), str(status), serialization.loads(p)) for seq, status, p in rows]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_zombie_rounds_commit_nothing_stale(store_url: str, tmp_path: Path) -> None:
    log = str(tmp_path / "steps.log")
    db = harness.Db(store_url)
    app = zombieapp.build(store_url, lease_seconds=LEASE)
    procs = Procs(tmp_path, store_url)
    with contextlib.ExitStack() as stack:
        stack.callback(app.close)
        stack.callback(procs.close)
        app.store  # noqa: B018 - create the schema before the workers start
        started: list[subprocess.Popen[bytes]] = [
            procs.spawn("worker", "--concurrency", "1", module=MODULE) for _ in range(2)
        ]
        harness.wait_up(procs, started)
        workers = {proc.pid: proc for proc in started}
        for n in range(ROUNDS):
            one_round(n, app, db, log, procs, workers)
        for proc in started:
            err = procs.stderr(proc)
            assert proc.poll() is None and "Traceback" not in err, err[-2000:]
            assert procs.stop(proc) == 0
    lost = sum(procs.stderr(proc).count("lease lost") for proc in started)
    assert lost >= ROUNDS, f"only {lost} lease-lost warnings in {ROUNDS} rounds"
