"""The physical floor: what one checkpoint must cost on this machine, and a plain call.

A checkpoint needs at least one durable commit. The floor is one tiny autocommit INSERT per
commit on a fresh SQLite file in WAL mode at the engine's synchronous level. A W1 workflow of
5 steps needs 7 commits (start, 5 steps, end), so floor steps/s = commits/s x 5/7; a W3
one-step workflow needs 3 commits.

Run alone it prints one JSON line per variant: `sqlite-commit` and `python-call`.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common

ROW = "INSERT INTO checkpoints (wf, step, out) VALUES (?, ?, ?)"


def _connect(folder: str, synchronous: str) -> sqlite3.Connection:
    conn = sqlite3.connect(os.path.join(folder, "floor.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
    conn.execute("CREATE TABLE checkpoints (id INTEGER PRIMARY KEY, wf TEXT, step INT, out TEXT)")
    return conn


def commits_seconds(synchronous: str, commits: int, *, explicit: bool = False) -> float:
    """Wall seconds of `commits` one-row commits on a fresh WAL file.

    `explicit` wraps each INSERT in BEGIN/COMMIT, as the peers' floor.py does (slower).
    """
    with common.temp_dir() as folder:
        conn = _connect(folder, synchronous)
        try:
            start = time.perf_counter()
            for i in range(commits):
                if explicit:
                    conn.execute("BEGIN")
                conn.execute(ROW, (f"wf-{i}", i % 5, "1"))
                if explicit:
                    conn.execute("COMMIT")
            return time.perf_counter() - start
        finally:
            conn.close()


def commit_group_latencies(synchronous: str, groups: int, per_group: int) -> list[float]:
    """Seconds of each group of `per_group` commits (a W3 workflow costs 3)."""
    with common.temp_dir() as folder:
        conn = _connect(folder, synchronous)
        try:
            out = []
            for g in range(groups):
                start = time.perf_counter()
                for s in range(per_group):
                    conn.execute(ROW, (f"wf-{g}", s, "1"))
                out.append(time.perf_counter() - start)
            return out
        finally:
            conn.close()


def _plus_one(x: int) -> int:
    return x + 1


def calls_per_second(calls: int = 1_000_000) -> float:
    """Rate of a plain Python function call `x + 1` in a loop."""
    x = 0
    start = time.perf_counter()
    for _ in range(calls):
        x = _plus_one(x)
    return calls / (time.perf_counter() - start)


def _sqlite_line(synchronous: str, n_runs: int, commits: int) -> dict[str, Any]:
    auto = [commits / commits_seconds(synchronous, commits) for _ in range(n_runs)]
    explicit = [
        commits / commits_seconds(synchronous, commits, explicit=True) for _ in range(n_runs)
    ]
    med = common.summary(auto, 1)["median"]
    return {
        **common.header("floor", "sqlite-commit", synchronous, n_runs),
        "commits": commits,
        "metric": "commits_per_s",
        **common.summary(auto, 1),
        "us_per_commit": round(1e6 / med, 2),
        "w1_floor_steps_per_s": round(med * 5 / 7, 1),
        "w3_floor_ms": round(3e3 / med, 4),
        "explicit_begin_commits_per_s": common.summary(explicit, 1),
    }


def _call_line(n_runs: int, calls: int) -> dict[str, Any]:
    rates = [calls_per_second(calls) for _ in range(n_runs)]
    med = common.summary(rates, 1)["median"]
    return {
        **common.header("floor", "python-call", "n/a", n_runs),
        "store": None,
        "calls": calls,
        "metric": "calls_per_s",
        **common.summary(rates, 1),
        "ns_per_call": round(1e9 / med, 1),
    }


def main(argv: list[str] | None = None) -> None:
    p = common.parser("Physical floor: SQLite WAL commits/s and plain Python calls/s.")
    args = p.parse_args(argv)
    n_runs = common.runs(args)
    commits = 1_000 if args.quick else (3_500 if args.synchronous == "normal" else 1_000)
    common.emit(_sqlite_line(args.synchronous, n_runs, commits))
    common.emit(_call_line(n_runs, 100_000 if args.quick else 1_000_000))


if __name__ == "__main__":
    main()
