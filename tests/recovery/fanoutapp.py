"""An ETL fan-out the recovery tests SIGKILL in the middle of: partitions are child tasks.

Every partition step appends `<partition> <start|done> <pid>` to a log file (one O_APPEND
write per line, see crashapp.append); the log is the ground truth of what ran. The last
`HELD` partitions block while a hold file exists, so a test can kill the worker while they
run and the other partitions have completed.

Run as `python -m tests.recovery.fanoutapp worker` (store and lease from PODIUM_* variables).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from typing import Any

import podium
from tests.recovery import serve
from tests.recovery.crashapp import append

HELD = 3
"""How many partitions (the last ones) block while the hold file exists."""
HOLD_LIMIT = 60.0
"""Seconds a held partition waits at most, so a forgotten hold file cannot hang a worker."""


@dataclasses.dataclass(frozen=True)
class FanoutApp:
    """An App with the ETL workflow registered on it."""

    app: podium.App
    etl: Any


def expected(n: int) -> int:
    """The ETL's result for `n` partitions."""
    return sum(p * p for p in range(n))


def build(database_url: str | None = None, **settings: Any) -> FanoutApp:
    """Register the ETL on a new App (store from PODIUM_* variables when no URL)."""
    app = podium.App("fanoutapp", database_url=database_url, **settings)

    @app.step
    def extract(partition: int, n: int, log: str, hold: str) -> int:
        append(log, f"{partition} start {os.getpid()}")
        deadline = time.monotonic() + HOLD_LIMIT
        while partition >= n - HELD and os.path.exists(hold) and time.monotonic() < deadline:
            time.sleep(0.01)
        append(log, f"{partition} done {os.getpid()}")
        return partition * partition

    @app.workflow
    def etl(n: int, log: str, hold: str) -> int:
        futures = [extract.submit(p, n, log, hold) for p in range(n)]
        return sum(podium.gather(*futures))

    return FanoutApp(app, etl)


def main(argv: list[str] | None = None) -> int:
    """`worker [--concurrency N]`: serve the store until SIGTERM/SIGINT."""
    return serve.main("tests.recovery.fanoutapp", lambda: build().app, argv, 4)


if __name__ == "__main__":
    sys.exit(main())
