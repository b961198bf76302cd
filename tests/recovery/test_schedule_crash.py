"""SIGKILL workers while they hold a schedule tick claimed: no tick is doubled or lost."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from podium.patterns import schedule
from tests.recovery import crashapp, scheduleapp
from tests.recovery.conftest import LEASE, Procs, wait_for
from tests.recovery.test_queue_crash import spawn

KILLS = 3


def claims(marker: Path) -> list[tuple[float, int]]:
    """(first tick, pid) of every claim announced so far."""
    return [(float(tick), int(pid)) for _, tick, pid in crashapp.read_lines(marker)]


@pytest.mark.slow
def test_killed_while_a_tick_is_claimed_no_tick_doubled_or_lost(
    procs: Procs, database_url: str, tmp_path: Path
) -> None:
    marker = tmp_path / "claims.log"
    env = {"SCHEDULE_MARKER": str(marker), "SCHEDULE_PAUSE": "0.3"}
    app = scheduleapp.build(database_url, lease_seconds=LEASE)
    try:
        first = app.schedules()[0].next_run.timestamp()
        workers = {p.pid: p for p in (spawn(procs, "scheduleapp", **env) for _ in range(2))}
        killed_ticks = []
        for _ in range(KILLS):
            seen = len(claims(marker))
            wait_for(lambda: len(claims(marker)) > seen, 30, "a tick claimed")  # noqa: B023
            tick, pid = claims(marker)[seen]
            procs.kill9(workers.pop(pid))
            killed_ticks.append(tick)
            new = spawn(procs, "scheduleapp", **env)
            workers[new.pid] = new
        last = time.time() + 1.5
        expected = [first + k for k in range(int(last - first) + 1)]

        def all_completed() -> bool:
            found = {i.id: i.status for i in app.list(workflow="beat", limit=1000)}
            return all(found.get(schedule.run_id("beat", t)) == "completed" for t in expected)

        wait_for(all_completed, 60, "every tick run")
        for proc in list(workers.values()):
            procs.stop(proc)
        runs = sorted(i.id for i in app.list(workflow="beat", limit=1000))
        next_run = app.schedules()[0].next_run.timestamp()
    finally:
        app.close()
    fired = [first + k for k in range(int(next_run - first))]
    assert runs == sorted(schedule.run_id("beat", t) for t in fired)  # every tick, each once
    assert set(expected) <= set(fired)
    assert all(t in fired for t in killed_ticks)
