"""Two processes start workflows under the same ids at once: one workflow and one run per id."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.recovery import crashapp
from tests.recovery.conftest import Procs, db_rows, wait_for

ROUNDS = 100
STARTERS = 2


def race_starts(procs: Procs, tmp_path: Path, log: str, ids: list[str], repeat: int) -> None:
    """Let STARTERS processes call app.start for `ids` (`repeat` rounds) at the same moment."""
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(STARTERS)]
    args = ["--log", log, "--ids", *ids, "--repeat", str(repeat), "--go", str(go)]
    starters = [procs.spawn("start", *args, "--ready", str(flag)) for flag in ready]
    wait_for(lambda: all(flag.exists() for flag in ready), 30, "starters ready")
    go.touch()
    for proc in starters:
        assert proc.wait(timeout=60) == 0, procs.stderr(proc)


def run_all(procs: Procs, crash: crashapp.CrashApp, ids: list[str]) -> None:
    """Two workers (default lease, so no takeovers) drain the store; results are the tags."""
    workers = [procs.worker(4, PODIUM_LEASE_SECONDS="10") for _ in range(2)]
    for tag in ids:
        assert crash.app.get(tag).result(timeout=60) == tag
    for proc in workers:
        assert procs.stop(proc) == 0, procs.stderr(proc)


def check_once(database_url: str, log: str, ids: list[str]) -> None:
    """One workflow row, one history row and one step execution per id."""
    rows = db_rows(database_url, "SELECT id, status, runs FROM podium_workflows ORDER BY id")
    assert rows == [(tag, "completed", 1) for tag in sorted(ids)]
    history = db_rows(database_url, "SELECT workflow_id, seq FROM podium_history ORDER BY 1")
    assert history == [(tag, 0) for tag in sorted(ids)]
    executions = Counter(words[0] for words in crashapp.read_lines(log))
    assert executions == Counter(ids)


def test_same_id_started_100_times_by_two_processes_runs_once(
    procs, crash, log, tmp_path, database_url
):
    ids = ["the-one"]
    race_starts(procs, tmp_path, log, ids, repeat=ROUNDS)
    run_all(procs, crash, ids)
    check_once(database_url, log, ids)


def test_shared_ids_started_by_two_processes_run_once_each(
    procs, crash, log, tmp_path, database_url
):
    ids = [f"shared-{i}" for i in range(ROUNDS)]
    race_starts(procs, tmp_path, log, ids, repeat=1)
    run_all(procs, crash, ids)
    check_once(database_url, log, ids)
