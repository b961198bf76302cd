"""The `chaos` slice of the test command: a bounded run of the chaos harness, zero violations.

The same harness as `benchmarks/chaos.py` (tests/chaos/harness.py), small enough for CI:
40 workflows mixing retried steps, durable sleeps, fan-out/gather, compensating sagas, events
and messages, 30 SIGKILLs of 3 SQLite worker processes; then 12 workflows and 10 SIGKILLs on
PostgreSQL (a fresh schema on the shared server: only workers die, never the server; server
restarts are `benchmarks/chaos.py postgres --restarts N` and tests/recovery, on throwaway
clusters). Every invariant checked after each.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.chaos import chaosapp, harness

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


@pytest.mark.timeout(180)
def test_sqlite_workers_sigkilled_30_times_break_no_invariant(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    url = f"sqlite:///{tmp_path / 'podium.db'}"
    config = harness.Config(
        database_url=url,
        workdir=tmp_path,
        workflows=40,
        kills=30,
        workers=3,
        rate=4.0,
        kill_interval=0.2,
        settle=90.0,
        seed=seed,
    )
    chaos = chaosapp.build(url, lease_seconds=config.lease)
    chaos.app.store  # noqa: B018 - create the schema before any worker starts
    try:
        report = harness.run(config, harness.Db(url), chaos)
    finally:
        chaos.app.close()
    print(f"seed={seed} {report.line()}")
    assert report.violations == [], f"seed={seed}: {report.line()}"
    assert report.workflows == 40 and report.stranded == 0
    assert report.kills >= 20, f"seed={seed}: only {report.kills} kills before the end"


@pytest.mark.timeout(180)
def test_postgres_workers_sigkilled_10_times_break_no_invariant(tmp_path: Path) -> None:
    from tests import pg

    seed = int.from_bytes(os.urandom(4), "big")
    with pg.fresh_schema() as url:
        config = harness.Config(
            database_url=url,
            workdir=tmp_path,
            workflows=12,
            kills=10,
            workers=3,
            rate=6.0,
            kill_interval=0.2,
            lease=1.5,
            settle=90.0,
            seed=seed,
        )
        chaos = chaosapp.build(url, lease_seconds=config.lease)
        chaos.app.store  # noqa: B018 - create the schema before any worker starts
        try:
            report = harness.run(config, harness.Db(url), chaos)
        finally:
            chaos.app.close()
    print(f"seed={seed} {report.line()}")
    assert report.violations == [], f"seed={seed}: {report.line()}"
    assert report.workflows == 12 and report.stranded == 0
    assert report.kills >= 6, f"seed={seed}: only {report.kills} kills before the end"
