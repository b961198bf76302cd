"""Query and update round trips (p50/p99) next to W3 (start -> result of a one-step workflow).

Each store (SQLite file, and PostgreSQL when PODIUM_TEST_POSTGRES_URL or --postgres is set)
gets one fresh database; one worker serves a cart workflow waiting in `wait_condition`.
Prints one JSON line per (store, measure): `query` (handle.query), `update`
(handle.update: caller validation, message, wake, claim, replay, apply, answer) and `w3`
(app.start(...).result() of a one-step workflow), all in the same run.

    python -m benchmarks.ops_roundtrip --count 200
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

import podium
from benchmarks import common

SETTINGS: dict[str, Any] = {"poll_interval": 0.05, "suspend_grace": 0.0}


def define(app: podium.App) -> tuple[Any, Any]:
    """A cart workflow with a query and an update, and W3's one-step workflow."""

    @app.step
    def echo(x: int) -> int:
        return x + 1

    @app.workflow
    def one_step(x: int) -> int:
        return echo(x)

    @app.workflow
    def cart() -> int:
        state = podium.state({"n": 0, "open": True})
        podium.wait_condition(lambda: not state["open"], timeout=3600)
        return int(state["n"])

    @cart.update("add")
    def add(state: dict[str, Any], k: int) -> int:
        state["n"] += k
        return int(state["n"])

    @cart.update("close")
    def close(state: dict[str, Any]) -> None:
        state["open"] = False

    @cart.query("n")
    def n(state: dict[str, Any]) -> int:
        return int(state["n"])

    return cart, one_step


def timings(call: Callable[[int], Any], count: int, warmup: int = 5) -> list[float]:
    """Seconds per call of `call(i)`, after `warmup` calls."""
    for i in range(warmup):
        call(i)
    out = []
    for i in range(count):
        start = time.perf_counter()
        call(i)
        out.append(time.perf_counter() - start)
    return out


def measure(store: str, url: str, count: int) -> list[dict[str, Any]]:
    """The three measures on one fresh store."""
    app = podium.App("ops-bench", database_url=url, **SETTINGS)
    cart, one_step = define(app)
    lines = []
    try:
        with app.worker(concurrency=4):
            h = app.start(cart, id=f"cart-{uuid.uuid4().hex[:8]}")
            h.update("add", 0, timeout=30)  # it runs and waits
            results = {
                "query": timings(lambda i: h.query("n"), count),
                "update": timings(lambda i: h.update("add", 1, timeout=30), count),
                "w3": timings(lambda i: app.start(one_step, i).result(timeout=30), count),
            }
            h.update("close", timeout=30)
            h.result(timeout=30)
        for name, values in results.items():
            ms = sorted(v * 1000 for v in values)
            lines.append(
                {
                    "benchmark": "ops_roundtrip",
                    "store": store,
                    "measure": name,
                    "count": count,
                    "p50_ms": round(common.percentile(ms, 50), 3),
                    "p99_ms": round(common.percentile(ms, 99), 3),
                }
            )
    finally:
        app.close()
    return lines


def main(argv: list[str] | None = None) -> None:
    """Print one JSON line per store and measure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("PODIUM_TEST_POSTGRES_URL"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        stores = [("sqlite", f"sqlite:///{folder}/ops.db")]
        if args.postgres:
            from tests import pg

            with pg.fresh_schema() as url:
                stores.append(("postgres", url))
                for store, where in stores:
                    for line in measure(store, where, args.count):
                        print(json.dumps(line), flush=True)
                return
        for store, where in stores:
            for line in measure(store, where, args.count):
                print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
