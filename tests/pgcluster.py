"""A throwaway PostgreSQL cluster on a port of its own, for tests that stop and start it.

Never the shared test server: `initdb` makes a new cluster in a temporary directory, and
`pg_ctl` starts it, stops it (`-m immediate`, as a crash) and removes it afterwards. Run as
root, the binaries run as the `postgres` user (initdb refuses root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        found = str(candidates[-1]) if candidates else None
    if found is None:
        pytest.fail(f"this test needs PostgreSQL's {name} on PATH", pytrace=False)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One cluster: its URL, and `stop()`/`start()` to take it down and bring it back."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.directory / "server.log")
        self._run(
            _binary("pg_ctl"),
            "-D",
            str(self.directory / "data"),
            "-o",
            options,
            "-l",
            log,
            "-w",
            "start",
        )

    def stop(self) -> None:
        """Stop the server at once, as a crash would (`-m immediate`)."""
        self._run(
            _binary("pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop"
        )


@contextmanager
def throwaway() -> Iterator[Cluster]:
    """A new running cluster on a free port; stopped and deleted afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="podium-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = Cluster(directory, _free_port())
    try:
        cluster._run(
            _binary("initdb"),
            "-D",
            str(directory / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        )
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(directory, ignore_errors=True)
