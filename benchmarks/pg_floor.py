"""The PostgreSQL floor: what one durable commit costs on this server, from 1, 4 and 8 clients.

A checkpoint needs at least one commit. The floor is one tiny autocommit INSERT per commit
(synchronous_commit on, so each waits for its WAL flush) on a fresh table: from one
connection, and from 4 and 8 connections at once (one process each, so the client's GIL is
not the limit), where PostgreSQL can flush several commits with one WAL write. A W1 workflow
of 5 steps needs 7 commits (start, 5 steps, end): floor steps/s = commits/s x 5/7. A W3
one-step workflow needs 3 sequential commits: its floor latency is that of 3 commits.

Server: --url, else PODIUM_BENCH_POSTGRES_URL, else PODIUM_TEST_POSTGRES_URL, else
postgresql://postgres@127.0.0.1:5432/test. Every run uses a new schema, dropped afterwards.
Run alone it prints one JSON line per variant: `pg-commit-1`, `pg-commit-4`, `pg-commit-8`
and `pg-commit-latency`.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from psycopg import sql

from benchmarks import common

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
CONNECTIONS = (1, 4, 8)
ROW = "INSERT INTO checkpoints (wf, step, out) VALUES (%s, %s, %s)"
TABLE = "CREATE TABLE checkpoints (id bigserial PRIMARY KEY, wf text, step int, out text)"
LATENCY_GROUP = 3


def server_url(args: argparse.Namespace | None = None) -> str:
    """The server's URL: --url or the environment or the local default."""
    given = getattr(args, "url", None)
    return (
        given
        or os.environ.get("PODIUM_BENCH_POSTGRES_URL")
        or os.environ.get("PODIUM_TEST_POSTGRES_URL")
        or DEFAULT_URL
    )


def with_query(url: str, **params: str) -> str:
    """`url` with query parameters added (or replaced)."""
    parsed = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parsed.query))
    query.update(params)
    encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    return urllib.parse.urlunsplit(parsed._replace(query=encoded))


def connect(url: str, schema: str | None = None) -> psycopg.Connection[tuple[Any, ...]]:
    """An autocommit connection with synchronous_commit on (and `schema` first, if given)."""
    conn = psycopg.connect(url, autocommit=True, application_name="podium-bench")
    conn.execute("SET synchronous_commit = on")
    if schema is not None:
        conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(schema)))
    return conn


@contextlib.contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new, empty schema's name; dropped with everything in it afterwards."""
    name = f"podium_bench_{uuid.uuid4().hex[:12]}"
    try:
        admin = connect(url)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"no PostgreSQL server answers at {url!r}: {exc}") from None
    with admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        try:
            yield name
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def _insert_many(url: str, schema: str, commits: int, tag: int, ready: Any, ends: Any) -> None:
    """In a child process: connect, wait for every sibling, commit `commits` rows."""
    with connect(url, schema) as conn:
        ready.wait()
        for i in range(commits):
            conn.execute(ROW, (f"wf-{tag}-{i}", i % 5, "1"))
        ends.put(time.time())


def commits_per_second(url: str, connections: int, commits: int) -> float:
    """Aggregate rate of one-row autocommit INSERTs from `connections` client processes."""
    with fresh_schema(url) as schema:
        with connect(url, schema) as conn:
            conn.execute(TABLE)
        each = commits // connections
        context = multiprocessing.get_context("spawn")
        ready = context.Barrier(connections + 1)
        ends = context.Queue()
        children = [
            context.Process(target=_insert_many, args=(url, schema, each, c, ready, ends))
            for c in range(connections)
        ]
        for child in children:
            child.start()
        ready.wait(timeout=60)  # every child is connected: go
        start = time.time()
        finished = [float(ends.get(timeout=300)) for _ in children]
        for child in children:
            child.join()
        return each * connections / (max(finished) - start)


def commit_group_latencies(url: str, groups: int, per_group: int = LATENCY_GROUP) -> list[float]:
    """Seconds of each group of `per_group` sequential commits on one connection."""
    with fresh_schema(url) as schema, connect(url, schema) as conn:
        conn.execute(TABLE)
        for i in range(20):  # warm the connection and the table
            conn.execute(ROW, ("warm", i, "1"))
        out = []
        for g in range(groups):
            begin = time.perf_counter()
            for s in range(per_group):
                conn.execute(ROW, (f"wf-{g}", s, "1"))
            out.append(time.perf_counter() - begin)
        return out


def server_settings(url: str) -> dict[str, str]:
    """The settings that decide what a commit costs."""
    names = ("synchronous_commit", "fsync", "wal_sync_method", "commit_delay", "server_version")
    with connect(url) as conn:
        return {name: str(conn.execute(f"SHOW {name}").fetchone()[0]) for name in names}  # type: ignore[index]


def header(workload: str, variant: str, n_runs: int) -> dict[str, Any]:
    """The common JSON fields, for the PostgreSQL store."""
    return {**common.header(workload, variant, "on", n_runs), "store": "postgres"}


def commit_line(url: str, connections: int, rates: list[float], commits: int) -> dict[str, Any]:
    """The JSON line of the commit floor from `connections` clients."""
    med = common.summary(rates, 1)["median"]
    return {
        **header("floor", f"pg-commit-{connections}", len(rates)),
        "connections": connections,
        "commits": commits,
        "what": "one autocommit INSERT per commit, synchronous_commit on, one process each",
        "metric": "commits_per_s",
        **common.summary(rates, 1),
        "us_per_commit": round(1e6 / med, 2),
        "w1_floor_steps_per_s": round(med * 5 / 7, 1),
        "server": server_settings(url),
    }


def latency_line(runs: list[list[float]]) -> dict[str, Any]:
    """The JSON line of the W3 floor: 3 sequential commits on one connection."""
    p50 = [common.percentile(r, 50) * 1e3 for r in runs]
    p99 = [common.percentile(r, 99) * 1e3 for r in runs]
    return {
        **header("floor", "pg-commit-latency", len(runs)),
        "what": f"{LATENCY_GROUP} sequential autocommit INSERTs on one connection",
        "metric": "p50_ms",
        **common.summary(p50, 4),
        "p99_ms": common.summary(p99, 4),
    }


def main(argv: list[str] | None = None) -> None:
    p = common.parser("PostgreSQL floor: commits/s from 1, 4 and 8 connections; 3-commit latency.")
    p.add_argument("--url", default=None, help="PostgreSQL server URL")
    args = p.parse_args(argv)
    url = server_url(args)
    n_runs = common.runs(args)
    commits = 800 if args.quick else 4000
    rates: dict[int, list[float]] = {c: [] for c in CONNECTIONS}
    lat: list[list[float]] = []
    for r in range(n_runs):
        for c in CONNECTIONS:
            rates[c].append(commits_per_second(url, c, commits))
        lat.append(commit_group_latencies(url, 50 if args.quick else 200))
        common.note(f"pg floor run {r + 1}/{n_runs}: " + _progress(rates))
    for c in CONNECTIONS:
        common.emit(commit_line(url, c, rates[c], commits))
    common.emit(latency_line(lat))


def _progress(rates: dict[int, list[float]]) -> str:
    return ", ".join(f"{c} conn {v[-1]:,.0f} commits/s" for c, v in rates.items())


if __name__ == "__main__":
    main()
