"""SIGKILL publishers and workers while events trigger workflows: nothing lost, nothing twice.

A publisher is killed in the middle of its stream and a second one republishes every job
(same ids). Meanwhile workers run the triggered workflows, which publish from a step and from
the workflow body (starting more workflows); one worker is killed mid-way and replaced.
Afterwards every job event exists once, started exactly one `on_job` and, through its
`job.done` event, exactly one `on_done`; the events published from steps and workflow bodies
exist exactly once each, although some steps ran twice.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.recovery import crashapp, eventsapp
from tests.recovery.conftest import GRACE, LEASE, Procs, db_rows, wait_for

JOBS = 150


@pytest.fixture
def events(database_url: str) -> Iterator[eventsapp.EventsApp]:
    """The event workflows on the test's store; opening it writes their subscriptions."""
    built = eventsapp.build(database_url, lease_seconds=LEASE, suspend_grace=GRACE)
    built.app.store  # noqa: B018 - schema and subscriptions before any process starts
    try:
        yield built
    finally:
        built.app.close()


def spawn(procs: Procs, *args: str) -> subprocess.Popen[bytes]:
    """Start `python -m tests.recovery.eventsapp ARGS`; `procs` reaps it at teardown."""
    return procs.spawn(*args, module="tests.recovery.eventsapp")


def count(database_url: str, sql: str) -> int:
    return int(db_rows(database_url, sql)[0][0])


def completed(database_url: str, workflow: str) -> int:
    return count(
        database_url,
        f"SELECT COUNT(*) FROM podium_workflows WHERE workflow = '{workflow}' "
        "AND status = 'completed'",
    )


@pytest.mark.timeout(180)
def test_killed_publisher_and_worker_lose_no_event_and_start_nothing_twice(
    procs, events, log, database_url
):
    url = database_url
    publisher = spawn(procs, "publish", "--count", str(JOBS), "--log", log)
    first = spawn(procs, "worker", "--concurrency", "4")
    spawn(procs, "worker", "--concurrency", "4")
    wait_for(
        lambda: count(url, "SELECT COUNT(*) FROM podium_events WHERE topic = 'job'") >= JOBS // 4,
        60,
        "a quarter of the jobs to be published",
    )
    procs.kill9(publisher)
    wait_for(lambda: completed(url, "on_done") >= JOBS // 8, 60, "some jobs to be done")
    procs.kill9(first)  # in the middle of steps, publishes and triggers
    republisher = spawn(procs, "publish", "--count", str(JOBS), "--log", log)
    spawn(procs, "worker", "--concurrency", "4")
    assert republisher.wait(timeout=60) == 0, procs.stderr(republisher)
    wait_for(lambda: completed(url, "on_done") == JOBS, 120, "every job to be done")

    topics = db_rows(
        url, "SELECT topic, COUNT(*), COUNT(DISTINCT id) FROM podium_events GROUP BY 1"
    )
    assert sorted(topics) == [
        ("job", JOBS, JOBS),
        ("job.audit", JOBS, JOBS),
        ("job.done", JOBS, JOBS),
    ]
    workflows = db_rows(
        url, "SELECT workflow, status, COUNT(*) FROM podium_workflows GROUP BY 1, 2"
    )
    assert sorted(workflows) == [("on_done", "completed", JOBS), ("on_job", "completed", JOBS)]
    ids = {row[0] for row in db_rows(url, "SELECT id FROM podium_workflows")}
    assert ids == {f"on_job:{eventsapp.job_id(n)}" for n in range(JOBS)} | {
        f"on_done:on_job:{eventsapp.job_id(n)}/1" for n in range(JOBS)
    }
    audits = db_rows(url, "SELECT id FROM podium_events WHERE topic = 'job.audit'")
    assert {a for (a,) in audits} == {
        f"on_job:{eventsapp.job_id(n)}/0/work/publish/0" for n in range(JOBS)
    }
    ran = Counter((n, action) for n, action, _pid in crashapp.read_lines(log))
    assert {n for n, action in ran if action == "work"} == {str(n) for n in range(JOBS)}
    assert {n for n, action in ran if action == "done"} == {str(n) for n in range(JOBS)}
    assert max(ran.values()) <= 2  # a step in flight at the kill ran again, nothing more
    for n in range(JOBS):
        assert events.app.get(f"on_job:{eventsapp.job_id(n)}").result(timeout=5) == 2 * n
