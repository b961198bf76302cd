"""Shared helpers of the W1-W3 benchmarks: arguments, fresh stores, statistics, JSON lines.

Every benchmark script prints exactly one JSON line per (workload, variant) on stdout and
nothing else there; progress and notes go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import podium

STORE = "sqlite"
SYNC_LEVELS = ("normal", "full")


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: --runs, --synchronous, --quick."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--runs", type=int, default=None, help="repetitions; the median is reported")
    p.add_argument(
        "--synchronous",
        choices=SYNC_LEVELS,
        default="normal",
        help="SQLite PRAGMA synchronous for the engine's store and the floor",
    )
    p.add_argument("--quick", action="store_true", help="small sizes, 1 run (smoke test)")
    return p


def cpu_option(p: argparse.ArgumentParser) -> None:
    """--cpu: the background worker keeps its threads on one CPU (`App.worker(cpu=...)`)."""
    p.add_argument(
        "--cpu",
        type=lambda text: text if text == "auto" else int(text),
        default=None,
        metavar="N|auto",
        help="keep the worker's threads on this CPU (default: the OS places them)",
    )


def worker_options(cpu: int | str | None) -> dict[str, Any]:
    """The `App.worker` keywords for --cpu: none when unset, so older checkouts run too."""
    return {} if cpu is None else {"cpu": cpu}


def runs(args: argparse.Namespace) -> int:
    """Number of repetitions: --runs, else 1 with --quick, else 5."""
    if args.runs is not None:
        if args.runs < 1:
            raise SystemExit("--runs must be >= 1")
        return int(args.runs)
    return 1 if args.quick else 5


@contextlib.contextmanager
def temp_dir() -> Iterator[str]:
    """A fresh directory outside the repository, removed afterwards."""
    path = tempfile.mkdtemp(prefix="podium-bench-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def database_path(folder: str) -> str:
    """The SQLite file a benchmark run uses inside `folder`."""
    return os.path.join(os.path.abspath(folder), "bench.db")


@contextlib.contextmanager
def fresh_app(
    synchronous: str, define: Callable[[podium.App], Any]
) -> Iterator[tuple[podium.App, Any, str]]:
    """An App on a new SQLite file with `define(app)`'s workflows: (app, definitions, path).

    The store is opened and migrated before the caller starts its clock.
    """
    with temp_dir() as folder:
        path = database_path(folder)
        app = podium.App("bench", database_url=f"sqlite:///{path}?synchronous={synchronous}")
        try:
            definitions = define(app)
            app.store.get_workflow("warm-up")
            yield app, definitions, path
        finally:
            app.close()


def summary(values: Sequence[float], digits: int = 3) -> dict[str, Any]:
    """Median and every run value, rounded."""
    return {
        "median": round(statistics.median(values), digits),
        "values": [round(v, digits) for v in values],
    }


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (the same rule as the peer benchmarks)."""
    ordered = sorted(values)
    rank = round(p / 100.0 * len(ordered) + 0.5) - 1
    return ordered[max(0, min(len(ordered) - 1, rank))]


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator to 4 significant digits, None when undefined."""
    if denominator == 0:
        return None
    return float(f"{numerator / denominator:.4g}")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of `fn()` and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def header(workload: str, variant: str, synchronous: str, n_runs: int) -> dict[str, Any]:
    """The fields every JSON line starts with."""
    return {
        "workload": workload,
        "variant": variant,
        "store": STORE,
        "synchronous": synchronous,
        "runs": n_runs,
        "podium": getattr(podium, "__version__", None) or _dist_version(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def emit(line: dict[str, Any]) -> None:
    """Print one JSON line on stdout."""
    print(json.dumps(line), flush=True)


def note(message: str) -> None:
    """Progress on stderr, so stdout stays JSON lines only."""
    print(message, file=sys.stderr, flush=True)


def _dist_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("podium")
    except Exception:
        return None
