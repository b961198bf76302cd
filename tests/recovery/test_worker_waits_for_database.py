"""`podium worker` waits for a database that is down at start (issue 16 defect 5).

A supervisor (systemd, Kubernetes) would only restart a worker that exited; the worker now
logs a clear line and retries until the database answers. A database that answers and
refuses (no such database) is still a usage error: exit 2.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import pg, pgcluster

PODIUM = str(Path(sys.executable).with_name("podium"))
APP = "tests.recovery.plainapp:app"


def lines_until(process: subprocess.Popen[str], text: str, timeout: float) -> list[str]:
    """Read the worker's stderr until a line holds `text`; fail if it never comes."""
    assert process.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"no line with {text!r} in {timeout}s; saw {seen}")


def stopped(process: subprocess.Popen[str], timeout: float) -> int:
    """The exit code; a worker still there after `timeout` fails with its threads' stacks."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # with PYTHONFAULTHANDLER: a traceback per thread
        process.wait(timeout=30)
        assert process.stderr is not None
        raise AssertionError(
            f"the worker did not stop; its stderr:\n{process.stderr.read()}"
        ) from None


@pytest.mark.slow
def test_the_worker_waits_for_the_database_and_then_serves() -> None:
    with pgcluster.throwaway() as cluster:
        cluster.stop()
        process = subprocess.Popen(
            [PODIUM, "worker", APP, "--database-url", cluster.url, "--concurrency", "1"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # SIGABRT dumps every thread
        )
        try:
            lines_until(process, "the database is unavailable", timeout=30)
            assert process.poll() is None, "the worker exited while the database was down"
            cluster.start()
            lines_until(process, "podium worker: app", timeout=30)  # serving now
            process.send_signal(signal.SIGINT)
            assert stopped(process, timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            assert process.stderr is not None
            process.stderr.close()


def test_a_database_that_refuses_is_still_a_usage_error() -> None:
    url = pg.postgres_url().rsplit("/", 1)[0] + "/podium_no_such_database"
    done = subprocess.run(
        [PODIUM, "worker", APP, "--database-url", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "podium_no_such_database" in done.stderr
