"""Fixtures for the distributed tests: a fresh PostgreSQL schema and real worker processes.

Workers connect with an application_name of their own test (`worker_application`: "podium-w-"
and the test's schema); this test process names its own connections "podium-test", so
terminating the workers' backends by application name never touches the test's App or its
inspection connection, nor the connections of any other test or test run on the shared
server. (It once matched every connection named "podium" in the database: a concurrent run's
transactions were cut, which made `test_of_eight_concurrent_conflicting_sends_exactly_one_wins`
flaky on PostgreSQL under load.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from tests import pg
from tests.distributed import distapp

ROOT = Path(__file__).resolve().parents[2]
COMMAND = (sys.executable, "-m", "tests.distributed.distapp", "worker")
LEASE = 1.5
POLL = 0.05
WORKER_POOL_MAX = 6
TEST_APPLICATION = "podium-test"
TERMINATE_WORKERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND application_name = %s "
    "AND pid <> pg_backend_pid()"
)


def wait_for(
    predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.02
) -> Any:
    """Poll `predicate` until it returns something truthy; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Procs:
    """Starts distapp worker processes on one store and guarantees none outlives the test."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.database_url = database_url
        self.started: list[subprocess.Popen[bytes]] = []
        self.names: dict[int, str] = {}

    def env(self) -> dict[str, str]:
        """The environment of a worker: this repo importable, the store, short timings."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["PODIUM_DATABASE_URL"] = self.database_url
        env["PODIUM_LEASE_SECONDS"] = str(LEASE)
        env["PODIUM_POLL_INTERVAL"] = str(POLL)
        env["PODIUM_SUSPEND_GRACE"] = "0.5"
        return env

    def worker(self, concurrency: int = 4) -> subprocess.Popen[bytes]:
        """Start one worker process, output to files in tmp_path."""
        name = f"worker{len(self.started)}"
        with (
            open(self.tmp_path / f"{name}.out", "wb") as out,
            open(self.tmp_path / f"{name}.err", "wb") as err,
        ):
            proc = subprocess.Popen(
                [*COMMAND, "--concurrency", str(concurrency)],
                cwd=self.tmp_path,
                env=self.env(),
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
            )
        self.started.append(proc)
        self.names[proc.pid] = name
        return proc

    def is_up(self, proc: subprocess.Popen[bytes]) -> bool:
        """Whether `proc` has connected to the store and started serving."""
        out = self.tmp_path / f"{self.names[proc.pid]}.out"
        if proc.poll() is not None:
            raise AssertionError(f"worker {proc.pid} exited: {self.stderr(proc)[-2000:]}")
        return b" up" in out.read_bytes()

    def wait_up(self, *procs: subprocess.Popen[bytes]) -> None:
        """Wait until every one of `procs` serves."""
        for proc in procs:
            wait_for(lambda: self.is_up(proc), 60, f"worker {proc.pid} to start")  # noqa: B023

    def stderr(self, proc: subprocess.Popen[bytes]) -> str:
        """What `proc` has written to stderr so far."""
        return (self.tmp_path / f"{self.names[proc.pid]}.err").read_text(errors="replace")

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL `proc` and reap it."""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> int:
        """SIGTERM `proc` (a clean stop) and return its exit code."""
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=timeout)

    def close(self) -> None:
        """Kill and reap every process this test started that is still alive."""
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
            proc.wait(timeout=10)


class Db:
    """Direct SQL on the test's schema, bypassing the engine (for checks and for faults)."""

    def __init__(self, schema: str) -> None:
        self.workers = worker_application(schema)
        """The application_name of this test's workers' connections."""
        self.conn = pg.connect()
        self.conn.execute("SET application_name = 'podium-test-db'")
        self.conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(schema)))

    def rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """All rows of one read-only query."""
        return [tuple(row) for row in self.conn.execute(query, params).fetchall()]

    def value(self, query: str, *params: Any) -> Any:
        """The single value of one query."""
        return self.rows(query, *params)[0][0]

    def finished(self) -> int:
        """How many workflows have ended."""
        return int(
            self.value(
                "SELECT COUNT(*) FROM podium_workflows "
                "WHERE status IN ('completed', 'failed', 'cancelled')"
            )
        )

    def terminate_workers(self) -> int:
        """Terminate every backend of this test's workers (and no other); how many."""
        return sum(1 for (ok,) in self.rows(TERMINATE_WORKERS, self.workers) if ok)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def worker_application(schema: str) -> str:
    """The application_name of the workers of the test whose schema is `schema`."""
    return f"podium-w-{schema}"


def schema_of(url: str) -> str:
    """The `?schema=` of a store URL."""
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["schema"][0]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (dropped after the test); fails loudly with no server."""
    with pg.fresh_schema() as url:
        yield url


@pytest.fixture
def dist(pg_url: str) -> Iterator[distapp.DistApp]:
    """The workflows on the test's schema, for starting them from the test process."""
    url = pg.with_query(pg_url, application_name=TEST_APPLICATION)
    built = distapp.build(url, lease_seconds=LEASE, poll_interval=POLL)
    built.app.store  # noqa: B018 - create the schema before any worker starts
    try:
        yield built
    finally:
        built.app.close()


@pytest.fixture
def db(pg_url: str, dist: distapp.DistApp) -> Iterator[Db]:
    """Direct SQL on the test's schema (created by `dist`)."""
    conn = Db(schema_of(pg_url))
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def procs(tmp_path: Path, pg_url: str) -> Iterator[Procs]:
    """Worker launcher on the test's schema; every process is killed and reaped at teardown."""
    own = worker_application(schema_of(pg_url))
    launcher = Procs(
        tmp_path, pg.with_query(pg_url, pool_max=str(WORKER_POOL_MAX), application_name=own)
    )
    try:
        yield launcher
    finally:
        launcher.close()


@pytest.fixture
def log(tmp_path: Path) -> str:
    """The side log every step appends to."""
    return str(tmp_path / "steps.log")
