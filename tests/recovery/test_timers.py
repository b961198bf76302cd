"""Durable timers and retry waits (ARCHITECTURE decision 2) survive SIGKILL of the worker.

A wait longer than suspend_grace unloads the workflow (status waiting, no lease); a worker
started after the crash fires it no earlier than its stored time and replays what came before.
"""

from __future__ import annotations

import pytest

from podium import serialization
from tests.recovery import crashapp
from tests.recovery.conftest import GRACE, Procs, db_rows, wait_for

NAP = 3.0


def wait_until_waiting(crash: crashapp.CrashApp, wf_id: str) -> None:
    """Block until the workflow is suspended: waiting, and no worker holds its lease."""

    def suspended() -> bool:
        record = crash.app.store.get_workflow(wf_id)
        return record is not None and record.status == "waiting" and record.lease_owner is None

    wait_for(suspended, 30, f"{wf_id} to be waiting")


def lines_of(log: str, wf_id: str) -> list[list[str]]:
    """The log lines of one workflow."""
    return [words for words in crashapp.read_lines(log) if words[0] == wf_id]


@pytest.mark.slow
def test_sleep_survives_sigkill_and_fires_on_time(procs: Procs, crash, log):
    assert NAP > GRACE
    handle = crash.app.start(crash.nap, log, "nap", NAP, id="nap")
    first = procs.worker(2)
    wait_until_waiting(crash, "nap")
    assert handle.status() == "waiting"
    procs.kill9(first)

    second = procs.worker(2)
    assert handle.result(timeout=30) == ["before", "after"]
    assert procs.stop(second) == 0

    labels = [(words[1], int(words[2])) for words in lines_of(log, "nap")]
    assert labels == [("before", first.pid), ("after", second.pid)]  # "before" ran once
    history = crash.app.store.load_history("nap")
    assert [(e.kind, e.name, e.status) for e in history] == [
        ("step", "mark", "completed"),
        ("sleep", "sleep", "scheduled"),
        ("step", "mark", "completed"),
    ]
    fire_at = serialization.loads(history[1].payload)
    after_started = history[2].started_at
    assert after_started is not None and after_started >= fire_at
    print(f"timer fired {after_started - fire_at:.3f}s after its fire time")


@pytest.mark.slow
def test_retry_wait_survives_sigkill_and_attempts_continue(procs: Procs, crash, log, database_url):
    assert crashapp.RETRY.initial_delay > GRACE
    handle = crash.app.start(crash.flaky, log, "flaky", 2, id="flaky")
    first = procs.worker(2)
    wait_for(lambda: len(lines_of(log, "flaky")) == 1, 30, "attempt 1")
    wait_until_waiting(crash, "flaky")
    procs.kill9(first)

    second = procs.worker(2)
    wait_for(lambda: len(lines_of(log, "flaky")) == 2, 30, "attempt 2")
    wait_until_waiting(crash, "flaky")
    procs.kill9(second)

    third = procs.worker(2)
    assert handle.result(timeout=30) == 3
    assert procs.stop(third) == 0

    runs = [int(words[2]) for words in lines_of(log, "flaky")]
    assert runs == [first.pid, second.pid, third.pid]  # exactly 3 runs, one per attempt
    attempts = db_rows(
        database_url,
        "SELECT seq, attempt, error_type FROM podium_attempts WHERE workflow_id = ?",
        "flaky",
    )
    assert attempts == [(0, 1, "RuntimeError"), (0, 2, "RuntimeError")]
    history = crash.app.store.load_history("flaky")
    assert [(e.seq, e.status, e.attempt) for e in history] == [(0, "completed", 3)]
