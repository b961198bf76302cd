"""After a PostgreSQL outage longer than the lease, no live run is taken over (issue 16).

When the database returns, every lease that was live before the outage has expired in the
store; a claim that reaches the database before the owner's renewal would take the live
run over and its step would run twice. Claims now leave running workflows alone for one
lease period after the database's start (`pg_postmaster_start_time()`), which gives the
owners time to renew. A throwaway cluster (never the shared server) is stopped as a crash
would and started again, three times the lease later; worker A holds live runs throughout,
worker B is idle and claims constantly.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from podium.store import base, postgres
from tests import pgcluster
from tests.recovery import crashapp
from tests.recovery.conftest import Procs, wait_for

LEASE = 2.0
OUTAGE = 3 * LEASE
STEP_SECONDS = OUTAGE + 4.0
WORKFLOWS = 4


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_live_runs_are_not_taken_over_when_postgresql_returns(tmp_path) -> None:
    log = str(tmp_path / "steps.log")
    with pgcluster.throwaway() as cluster:
        crash = crashapp.build(cluster.url, lease_seconds=LEASE)
        procs = Procs(tmp_path, cluster.url)
        try:
            crash.app.store  # noqa: B018 - create the schema before the workers start
            lease = {"PODIUM_LEASE_SECONDS": str(LEASE)}
            owner = procs.worker(WORKFLOWS, **lease)
            ids = [f"live-{i}" for i in range(WORKFLOWS)]
            for wf_id in ids:
                crash.app.start(crash.hold, log, wf_id, STEP_SECONDS, id=wf_id)

            def started() -> Counter[str]:
                return Counter(w[0] for w in crashapp.read_lines(log) if w[1] == "start")

            wait_for(lambda: len(started()) == WORKFLOWS, 60, "every step to start on A")
            idle = procs.worker(WORKFLOWS, **lease)  # claims all the time, holds nothing
            out = tmp_path / f"{procs.names[idle.pid]}.out"
            wait_for(lambda: b" up" in out.read_bytes(), 60, "worker B")
            cluster.stop()
            time.sleep(OUTAGE)
            cluster.start()

            for wf_id in ids:
                assert crash.app.get(wf_id).result(timeout=90) == {"pid": owner.pid}
            runs = started()
            starts = [w for w in crashapp.read_lines(log) if w[1] == "start"]
            assert runs == Counter(dict.fromkeys(ids, 1)), f"live runs taken over: {starts}"
            for proc in (owner, idle):
                assert proc.poll() is None, procs.stderr(proc)[-2000:]
        finally:
            procs.close()
            crash.app.close()


@pytest.mark.slow
def test_an_expired_lease_is_taken_over_once_the_grace_after_a_restart_has_passed() -> None:
    grace = 3.0
    with pgcluster.throwaway() as cluster:
        store = postgres.PostgresStore(cluster.url)
        try:
            store.create_workflow(base.NewWorkflow(id="f", workflow="w", input="[]"), 0.0)
            first = store.claim_one("f", "A", 1.0, 1.0)
            assert first is not None
            cluster.stop()
            cluster.start()
            back = time.monotonic()
            assert store.get_workflow("f") is not None  # a read (retried) replaces the pool's
            now = time.time() + 3600  # whatever the clock says, the lease has long expired
            assert store.claim_one("f", "B", now, grace) is None
            assert store.claim("B", ["default"], 10, now, grace) == []
            wait_for(lambda: store.claim_one("f", "B", now, grace), 3 * grace, "the takeover", 0.1)
            taken = time.monotonic() - back
            assert taken >= grace - 0.5, f"taken over {taken:.1f}s after the restart"
            record = store.get_workflow("f")
            assert record is not None and record.lease_owner == "B"
        finally:
            store.close()
