"""ETL fan-out: transform 100 partitions in parallel on any workers, then merge them.

The workflow maps `transform` over the partitions as child tasks (`podium.map`), at most 16
unfinished at once; every worker serving the queue takes some. The parent holds no thread
while it waits: it is unloaded, and the last partition to finish wakes it. Then one step
merges the partial results. A crash of any worker halfway loses nothing: finished partitions
are never transformed again, and the parent completes with the same result.

    python examples/etl_fanout.py       # run it here with four worker threads

Or serve it with workers (as many as you like, on any machines sharing the store) and start
runs from another shell (from the repository root):

    podium worker examples.etl_fanout:app
    podium start examples.etl_fanout:app etl --args '[100, 16]'
    podium show ID

Both use the store from PODIUM_DATABASE_URL, else ./podium.db (a SQLite file).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import podium

app = podium.App("etl")

ROWS_PER_PARTITION = 1_000


@app.step(retry=podium.RetryPolicy(max_attempts=3, initial_delay=0.1))
def transform(partition: int) -> dict[str, Any]:
    """Extract one partition's rows (pretend), clean them, and summarize them."""
    rows = range(partition * ROWS_PER_PARTITION, (partition + 1) * ROWS_PER_PARTITION)
    kept = [r for r in rows if r % 7 != 0]  # "cleaning": drop every seventh row
    return {"partition": partition, "rows": len(kept), "total": sum(kept)}


@app.step
def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Load: combine the partial summaries into one report."""
    return {
        "partitions": len(parts),
        "rows": sum(p["rows"] for p in parts),
        "total": sum(p["total"] for p in parts),
    }


@app.workflow
def etl(partitions: int = 100, max_concurrency: int = 16) -> dict[str, Any]:
    """Transform every partition as a child task, then merge their summaries."""
    parts = podium.map(transform, range(partitions), max_concurrency=max_concurrency)
    return merge(parts)


def main() -> None:
    """Run one ETL over 100 partitions with a local worker and print its report."""
    run_id = f"etl-{uuid.uuid4().hex[:6]}"
    with app, app.worker(concurrency=4):
        started = time.perf_counter()
        report = app.start(etl, 100, id=run_id).result(timeout=300)
        print(f"{run_id}: {report} in {time.perf_counter() - started:.2f}s")
        children = [c for c in app.list(limit=200) if c.parent_id == run_id]
        print(f"  {len(children)} partitions ran as child tasks of {run_id}")
    print("inspect it with: podium show", run_id)


if __name__ == "__main__":
    main()
