"""Fixtures for recovery tests: a SQLite file per test and real worker processes to crash."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.recovery import crashapp

ROOT = Path(__file__).resolve().parents[2]
LEASE = 1.0
GRACE = 0.5


def wait_for(
    predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.01
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
    """Starts crashapp subprocesses on one store and guarantees none outlives the test."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.database_url = database_url
        self.started: list[subprocess.Popen[bytes]] = []
        self.names: dict[int, str] = {}

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment of a subprocess: this repo importable, the store, short timings."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["PODIUM_DATABASE_URL"] = self.database_url
        env["PODIUM_LEASE_SECONDS"] = str(LEASE)
        env["PODIUM_POLL_INTERVAL"] = "0.05"
        env["PODIUM_SUSPEND_GRACE"] = str(GRACE)
        env.update(overrides)
        return env

    def spawn(
        self, *args: str, module: str = "tests.recovery.crashapp", **env: str
    ) -> subprocess.Popen[bytes]:
        """Run `python -m MODULE ARGS` (crashapp by default), output to files in tmp_path."""
        name = f"{module.rsplit('.', 1)[-1]}-{args[0] if args else 'run'}{len(self.started)}"
        with (
            open(self.tmp_path / f"{name}.out", "wb") as out,
            open(self.tmp_path / f"{name}.err", "wb") as err,
        ):
            proc = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=self.tmp_path,
                env=self.env(**env),
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
            )
        self.started.append(proc)
        self.names[proc.pid] = name
        return proc

    def worker(self, concurrency: int = 4, **env: str) -> subprocess.Popen[bytes]:
        """Start one worker process."""
        return self.spawn("worker", "--concurrency", str(concurrency), **env)

    def stderr(self, proc: subprocess.Popen[bytes]) -> str:
        """What `proc` has written to stderr so far."""
        return (self.tmp_path / f"{self.names[proc.pid]}.err").read_text(errors="replace")

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL `proc` and reap it."""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> int:
        """SIGTERM `proc` (a clean stop) and return its exit code."""
        out = self.tmp_path / f"{self.names[proc.pid]}.out"
        wait_for(lambda: b" up" in out.read_bytes() or proc.poll() is not None, 30, "start-up")
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=timeout)

    def close(self) -> None:
        """Kill and reap every process this test started that is still alive."""
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh SQLite store in tmp_path (absolute: four slashes)."""
    return f"sqlite:///{tmp_path / 'podium.db'}"


@pytest.fixture
def procs(tmp_path: Path, database_url: str) -> Iterator[Procs]:
    """Subprocess launcher; every process is killed and reaped at teardown."""
    launcher = Procs(tmp_path, database_url)
    try:
        yield launcher
    finally:
        launcher.close()


@pytest.fixture
def crash(database_url: str) -> Iterator[crashapp.CrashApp]:
    """The recovery workflows on the test's store, for starting and inspecting from the test."""
    built = crashapp.build(database_url, lease_seconds=LEASE, suspend_grace=GRACE)
    built.app.store  # noqa: B018 - create the schema before any worker starts
    try:
        yield built
    finally:
        built.app.close()


@pytest.fixture
def log(tmp_path: Path) -> str:
    """The side-effect log every step appends to."""
    return str(tmp_path / "steps.log")


def db_rows(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one read-only query on the store file, bypassing the engine."""
    path = database_url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path, timeout=30)
    try:
        return [tuple(row) for row in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()
