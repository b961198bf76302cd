"""A real `podium server` process on a free loopback port, for browser, fuzz and CLI tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PODIUM = str(Path(sys.executable).parent / "podium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def podium(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    """Run the podium CLI with `--database-url url` appended."""
    return subprocess.run(
        [PODIUM, *args, "--database-url", url],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@contextmanager
def serve(url: str, *extra: str, target: str = "tests.server.serverapp:app") -> Iterator[str]:
    """Serve `target` (tests.server.serverapp:app) on `url`'s store; yield the base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            PODIUM,
            "server",
            target,
            "--port",
            str(port),
            "--database-url",
            url,
            "--log-level",
            "WARNING",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read() if process.stderr else ""
                    raise AssertionError(f"server did not start: {err}") from None
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
