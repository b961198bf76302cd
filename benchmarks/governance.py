"""Governance costs: payload codecs on W1, and purging finished workflows (issue 15).

Workloads (one JSON line each):
  codecs  W1 with 1 KB payloads (each of 5 steps returns the workflow's 1 KB input), `app.run`
          one workflow at a time; `plain` and `Compression+Encryption` alternate run by run
          on fresh SQLite files; the line gives both medians and their ratio.
  purge   N finished workflows (one step each, run by a worker) are purged with `app.purge`:
          workflows/s; and W3 through that worker (start -> result of one-step workflows, one
          at a time) while the purge runs in another thread, next to the p50 just before it
          and just after it (same store, same worker). `--purge-n 100000` for the issue's run.
  payload a start whose argument is 100 MB, over `max_payload_bytes` (1 MB): the peak memory
          (tracemalloc) and wall time of the refusal; and what the bounded size count costs
          on values that fit (`dumps` of the 1 KB W1 payload with and without a limit).
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
import timeit
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common
from podium import codecs

PAYLOAD = {
    "customer": "c-42",
    "note": "x" * 900,
    "items": [{"sku": f"S{i}", "qty": i} for i in range(8)],
}


def define_w1(app: podium.App) -> Any:
    @app.step
    def touch(order: dict[str, Any]) -> dict[str, Any]:
        return order

    @app.workflow
    def sequential(order: dict[str, Any]) -> int:
        for _ in range(5):
            order = touch(order)
        return len(order)

    return sequential


def define_one(app: podium.App) -> Any:
    @app.step
    def echo(x: int) -> int:
        return x + 1

    @app.workflow
    def one(x: int) -> int:
        return echo(x)

    return one


def codec_run(variant: str, n: int, synchronous: str) -> float:
    """Steps/s of one W1 run with or without codecs, on a fresh store."""
    chain = None
    if variant == "codecs":
        ring = codecs.KeyRing({"k1": codecs.generate_key()}, current="k1")
        chain = [codecs.Compression(), codecs.Encryption(ring)]
    with common.temp_dir() as folder:
        url = f"sqlite:///{common.database_path(folder)}?synchronous={synchronous}"
        with podium.App("bench", database_url=url, codecs=chain) as app:
            wf = define_w1(app)
            app.run(wf, PAYLOAD)  # warm-up, opens and migrates the store
            wall, _ = common.timed(lambda: [app.run(wf, PAYLOAD) for _ in range(n)])
    return n * 5 / wall


def latencies(app: podium.App, wf: Any, count: int) -> list[float]:
    """W3 through the worker: ms from `start` to `result` of one-step workflows, one at a time."""
    out = []
    for i in range(count):
        start = time.perf_counter()
        handle = app.start(wf, i)
        if handle.result(timeout=60) != i + 1:
            raise RuntimeError("W3: a one-step workflow returned the wrong value")
        out.append((time.perf_counter() - start) * 1000)
    return out


def populate(app: podium.App, wf: Any, n: int) -> float:
    """Start `n` one-step workflows and wait until the worker finished them all; seconds."""
    started = time.perf_counter()
    for i in range(n):
        app.start(wf, i, id=f"old-{i}")
    done = "SELECT count(*) AS n FROM podium_workflows WHERE status = 'completed'"
    while int(app.store.connector.query(done, {})[0]["n"]) < n:
        time.sleep(0.2)
    return time.perf_counter() - started


def purge_run(n: int, synchronous: str, batch: int = 500, concurrency: int = 8) -> dict[str, float]:
    """`n` finished workflows purged while a worker serves W3; W3 p50 before and during.

    The worker runs in this process (as the retention sweeper would); the purge runs in
    another thread of it with `app.purge`, its cutoff just after the `n` were finished, so
    the W3 workflows themselves are never purged.
    """
    with common.temp_dir() as folder:
        url = f"sqlite:///{common.database_path(folder)}?synchronous={synchronous}"
        with podium.App("bench", database_url=url) as app, app.worker(concurrency=concurrency):
            wf = define_one(app)
            filled = populate(app, wf, n)
            common.note(f"purge: {n} finished workflows in {filled:.1f} s")
            time.sleep(0.05)
            mark = time.time()
            idle = latencies(app, wf, 200)
            done: dict[str, float] = {}

            def purge() -> None:
                age = time.time() - mark
                wall, found = common.timed(lambda: app.purge(older_than=age, batch=batch))
                done["wall"], done["workflows"] = wall, found.workflows

            thread = threading.Thread(target=purge)
            thread.start()
            busy: list[float] = []
            while thread.is_alive():
                busy.extend(latencies(app, wf, 20))
            thread.join()
            after = latencies(app, wf, 200)
    return {
        "purge_s": done["wall"],
        "purged": done["workflows"],
        "idle_p50_ms": statistics.median(idle),
        "busy_p50_ms": statistics.median(busy) if busy else float("nan"),
        "busy_p99_ms": common.percentile(busy, 99) if busy else float("nan"),
        "busy_samples": len(busy),
        "after_p50_ms": statistics.median(after),
    }


def refusal_run(size: int) -> dict[str, float]:
    """Peak traced MB and wall ms of refusing a `size`-byte start argument (limit 1 MB)."""
    with common.temp_dir() as folder:
        url = f"sqlite:///{common.database_path(folder)}"
        with podium.App("bench", database_url=url, max_payload_bytes=1_000_000) as app:

            @app.workflow
            def ingest(blob: str) -> int:
                return len(blob)

            blob = "x" * size
            tracemalloc.start()
            start = time.perf_counter()
            try:
                app.start(ingest, blob)
            except podium.PayloadTooLarge:
                pass
            else:
                raise RuntimeError("a 100 MB argument was accepted under a 1 MB limit")
            wall = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    return {"peak_mb": peak / 1e6, "refusal_ms": wall * 1000}


def count_cost_us() -> tuple[float, float]:
    """Microseconds per `dumps` of the 1 KB payload without and with a limit (best of 7)."""
    dumps = podium.serialization.dumps
    n = 5000
    plain = min(timeit.repeat(lambda: dumps(PAYLOAD), number=n, repeat=7)) / n
    bounded = min(timeit.repeat(lambda: dumps(PAYLOAD, limit=4_000_000), number=n, repeat=7)) / n
    return plain * 1e6, bounded * 1e6


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__ or "governance")
    p.add_argument("--n", type=int, default=None, help="W1 workflows (default 200; --quick 50)")
    p.add_argument(
        "--purge-n", type=int, default=None, help="workflows to purge (default 20000; --quick 2000)"
    )
    p.add_argument("--purge-batch", type=int, default=500, help="workflows per purge batch")
    p.add_argument("--workload", choices=["codecs", "purge", "payload", "all"], default="all")
    args = p.parse_args(argv)
    n_runs = common.runs(args)
    if args.workload in ("codecs", "all"):
        n = args.n or (50 if args.quick else 200)
        rates: dict[str, list[float]] = {"plain": [], "codecs": []}
        for r in range(n_runs):
            for variant in ("plain", "codecs"):
                rates[variant].append(codec_run(variant, n, args.synchronous))
            common.note(
                f"codecs run {r + 1}/{n_runs}: " + str({k: round(v[-1]) for k, v in rates.items()})
            )
        pairs = [c / p_ for p_, c in zip(rates["plain"], rates["codecs"], strict=True)]
        common.emit(
            {
                **common.header("W1-codecs", "run", args.synchronous, n_runs),
                "n": n,
                "steps": 5,
                "payload_bytes": len(podium.serialization.dumps(PAYLOAD)),
                "metric": "steps_per_s",
                "plain": common.summary(rates["plain"], 1),
                "codecs": common.summary(rates["codecs"], 1),
                "ratio_codecs_plain": common.ratio(statistics.median(pairs), 1.0),
            }
        )
    if args.workload in ("payload", "all"):
        size = 100_000_000
        refusals = [refusal_run(size) for _ in range(n_runs)]
        costs = [count_cost_us() for _ in range(n_runs)]
        common.emit(
            {
                **common.header("payload-limit", "refuse", args.synchronous, n_runs),
                "value_bytes": size,
                "limit_bytes": 1_000_000,
                "metric": "peak_mb",
                "median": round(statistics.median(r["peak_mb"] for r in refusals), 3),
                "peak_mb": common.summary([r["peak_mb"] for r in refusals], 3),
                "refusal_ms": common.summary([r["refusal_ms"] for r in refusals], 3),
                "dumps_1kb_us": common.summary([c[0] for c in costs], 2),
                "dumps_1kb_limited_us": common.summary([c[1] for c in costs], 2),
            }
        )
    if args.workload in ("purge", "all"):
        n = args.purge_n or (2000 if args.quick else 20_000)
        found = [purge_run(n, args.synchronous, args.purge_batch) for _ in range(n_runs)]
        rates_p = [f["purged"] / f["purge_s"] for f in found]
        common.emit(
            {
                **common.header("purge", "purge", args.synchronous, n_runs),
                "n": n,
                "batch": args.purge_batch,
                "metric": "workflows_per_s",
                "median": round(statistics.median(rates_p), 1),
                "values": [round(v, 1) for v in rates_p],
                "purged": [f["purged"] for f in found],
                "purge_s": common.summary([f["purge_s"] for f in found], 3),
                "w3": "worker (8 threads) in the purging process: start -> result, one at a time",
                "idle_p50_ms": common.summary([f["idle_p50_ms"] for f in found], 3),
                "after_p50_ms": common.summary([f["after_p50_ms"] for f in found], 3),
                "busy_samples": [f["busy_samples"] for f in found],
                "busy_p50_ms": common.summary([f["busy_p50_ms"] for f in found], 3),
                "busy_p99_ms": common.summary([f["busy_p99_ms"] for f in found], 3),
                "ratio_busy_idle_p50": common.ratio(
                    statistics.median([f["busy_p50_ms"] / f["idle_p50_ms"] for f in found]), 1.0
                ),
            }
        )


if __name__ == "__main__":
    main()
