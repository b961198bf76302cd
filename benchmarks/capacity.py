"""Capacity model: what one checkpointed step costs in CPU, commits, bytes and fsyncs.

W1 (N workflows x 5 steps, a background worker of C threads in this process) on:
  sqlite    a fresh file with the default synchronous=normal; the same run is repeated in a
            child process under `strace -f -c` to count fsync/fdatasync calls (strace slows
            it, so its timings are not used)
  postgres  a private cluster made by initdb for this run (fsync on, synchronous_commit on,
            default settings), so pg_stat_wal and pg_stat_database deltas and the server
            processes' CPU time belong to this run alone, not to the shared test server
Per step: client CPU µs (all threads of this process), server CPU µs (PostgreSQL: the
postmaster and every backend), commits, WAL bytes, fsyncs, stored bytes; steps/s per core is
1e6 / CPU µs per step. One JSON line per store, medians over --runs.
Run: `python benchmarks/capacity.py --store sqlite` (or postgres, or all).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common, cpu, w1_sequential

STEPS = 5


# -- the workload ----------------------------------------------------------------------------


def run_w1(url: str, n: int, concurrency: int) -> dict[str, float]:
    """Run W1 on `url`; wall seconds and this process's CPU seconds (its store migrated first)."""
    app = podium.App("capacity", database_url=url)
    try:
        wf = w1_sequential.define(STEPS)(app)
        app.store.get_workflow("warm-up")
        cpu0 = _own_cpu()
        wall, results = w1_sequential.run_worker(app, wf, n, concurrency)
        cpu = _own_cpu() - cpu0
        if results != [i + STEPS for i in range(n)]:
            raise SystemExit("capacity: W1 returned wrong results")
        return {"wall_s": wall, "client_cpu_s": cpu}
    finally:
        app.close()


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def _io_written() -> int:
    """Bytes this process handed to write calls so far (/proc/self/io wchar)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


# -- SQLite ----------------------------------------------------------------------------------


def sqlite_round(args: Any) -> dict[str, float]:
    """One SQLite run: timings, bytes written and stored per step."""
    with common.temp_dir() as folder:
        path = common.database_path(folder)
        written0 = _io_written()
        figures = run_w1(f"sqlite:///{path}", args.n, args.concurrency)
        written = _io_written() - written0
        size = os.path.getsize(path) + _size(path + "-wal")
    steps = args.n * STEPS
    return {
        "steps_per_s": steps / figures["wall_s"],
        "client_cpu_us_per_step": figures["client_cpu_s"] / steps * 1e6,
        "bytes_written_per_step": written / steps,
        "bytes_stored_per_step": size / steps,
    }


def _size(path: str) -> int:
    return os.path.getsize(path) if os.path.exists(path) else 0


def sqlite_fsyncs(args: Any) -> float | None:
    """fsync + fdatasync calls per step, counted by strace in a child process (None: no strace)."""
    strace = shutil.which("strace")
    if strace is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        command = [strace, "-f", "-qq", "-c", "-e", "trace=fsync,fdatasync", "-o", out.name]
        command += [sys.executable, __file__, "child", "--n", str(args.n)]
        command += ["--concurrency", str(args.concurrency)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=600)
        text = Path(out.name).read_text()
    calls = 0
    for line in text.splitlines():
        match = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync)$", line)
        if match:
            calls += int(match.group(1))
    return calls / (args.n * STEPS)


def child(args: Any) -> None:
    """The run strace watches: W1 on a fresh SQLite file."""
    with common.temp_dir() as folder:
        run_w1(f"sqlite:///{common.database_path(folder)}", args.n, args.concurrency)


# -- PostgreSQL ------------------------------------------------------------------------------


def _pg_binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        if not candidates:
            raise SystemExit(f"capacity: PostgreSQL's {name} is not installed")
        found = str(candidates[-1])
    return found


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def private_cluster() -> Iterator[tuple[str, Path]]:
    """A new PostgreSQL cluster with default durability: (URL, data directory); removed after."""
    directory = Path(tempfile.mkdtemp(prefix="podium-capacity-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data = directory / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    run = {"check": True, "capture_output": True, "timeout": 120}
    try:
        initdb = [_pg_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
        subprocess.run(_as_postgres(initdb), **run)  # type: ignore[call-overload]
        options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1"
        start = [_pg_binary("pg_ctl"), "-D", str(data), "-o", options]
        start += ["-l", str(directory / "server.log"), "-w", "start"]
        subprocess.run(_as_postgres(start), **run)  # type: ignore[call-overload]
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", data
    finally:
        stop = [_pg_binary("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
        subprocess.run(_as_postgres(stop), capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)


def _server_cpu(data: Path) -> float:
    """CPU seconds of the postmaster, its reaped children and its live children."""
    return cpu.server_cpu(int((data / "postmaster.pid").read_text().split()[0]))


def _pg_counters(url: str) -> dict[str, float]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        wal = conn.execute("SELECT wal_records, wal_bytes, wal_sync, wal_write FROM pg_stat_wal")
        records, wal_bytes, syncs, writes = wal.fetchone()  # type: ignore[misc]
        db = conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return {
        "wal_records": float(records),
        "wal_bytes": float(wal_bytes),
        "wal_syncs": float(syncs),
        "wal_writes": float(writes),
        "commits": float(db[0]),  # type: ignore[index]
        "database_bytes": float(size[0]),  # type: ignore[index]
    }


def postgres_round(args: Any) -> dict[str, float]:
    """One PostgreSQL run on a private cluster: timings and server counters per step."""
    with private_cluster() as (url, data):
        podium.App("capacity", database_url=url).close()  # migrate outside the counted run
        time.sleep(1.2)  # let the migration's statistics reach the shared counters
        before, cpu0 = _pg_counters(url), _server_cpu(data)
        figures = run_w1(url, args.n, args.concurrency)
        time.sleep(1.2)  # backends that exited flushed theirs; the WAL writer reports
        after, cpu = _pg_counters(url), _server_cpu(data) - cpu0
    steps = args.n * STEPS
    delta = {name: (after[name] - before[name]) / steps for name in after}
    return {
        "steps_per_s": steps / figures["wall_s"],
        "client_cpu_us_per_step": figures["client_cpu_s"] / steps * 1e6,
        "server_cpu_us_per_step": cpu / steps * 1e6,
        "commits_per_step": delta["commits"],
        "wal_bytes_per_step": delta["wal_bytes"],
        "wal_records_per_step": delta["wal_records"],
        "fsyncs_per_step": delta["wal_syncs"],
        "bytes_stored_per_step": delta["database_bytes"],
    }


# -- the run ---------------------------------------------------------------------------------


def measure(store: str, args: Any, n_runs: int) -> dict[str, Any]:
    """One JSON line for `store`."""
    rounds: dict[str, list[float]] = {}
    for r in range(n_runs):
        figures = sqlite_round(args) if store == "sqlite" else postgres_round(args)
        for name, value in figures.items():
            rounds.setdefault(name, []).append(value)
        common.note(f"capacity {store} round {r + 1}: " + json.dumps(_rounded(figures)))
    line = {**common.header("capacity", store, args.synchronous, n_runs)}
    line.update(n=args.n, steps=STEPS, concurrency=args.concurrency)
    line.update({name: common.summary(values, 2) for name, values in rounds.items()})
    cpu = line["client_cpu_us_per_step"]["median"] + line.get("server_cpu_us_per_step", {}).get(
        "median", 0.0
    )
    line["steps_per_core_s"] = round(1e6 / cpu) if cpu else None
    if store == "sqlite":
        line["fsyncs_per_step"] = sqlite_fsyncs(args)
    return line


def _rounded(figures: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in figures.items()}


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "capacity")
    p.add_argument("mode", nargs="?", choices=("measure", "child"), default="measure")
    p.add_argument("--store", choices=("sqlite", "postgres", "all"), default="all")
    p.add_argument("--n", type=int, default=None, help="workflows per run (default 500)")
    p.add_argument("--concurrency", type=int, default=8, help="worker threads")
    args = p.parse_args(argv)
    args.n = args.n or (100 if args.quick else 500)
    if args.mode == "child":
        child(args)
        return
    n_runs = common.runs(args)
    for store in ("sqlite", "postgres") if args.store == "all" else (args.store,):
        common.STORE = store
        common.emit(measure(store, args, n_runs))


if __name__ == "__main__":
    main()
