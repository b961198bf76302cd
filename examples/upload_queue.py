"""Upload scanning: a burst of uploads is queued and scanned at the rate the scanner allows.

Every upload starts a workflow at once (the user gets an answer immediately), but the
virus scanner behind it can only take a few files at a time and a limited number per
second. The `scans` queue levels the load: at most 4 scans run at once across all workers,
at most one per customer, at most 50 new scans a second; past 500 waiting uploads new ones
are refused with podium.QueueFull (tell the user to retry later) and nothing is stored.

    python examples/upload_queue.py     # 60 uploads from 5 customers, two workers drain them

Or serve it with workers and start uploads from another shell (from the repository root):

    podium worker examples.upload_queue:app --queues scans     # start several: limits hold
    podium start examples.upload_queue:app process_upload --key c1 \
        --input '{"customer": "c1", "file": "a.pdf"}'

The fast demo runs on a temporary SQLite file of its own; the worker and the CLI use the
store from PODIUM_DATABASE_URL, else ./podium.db (a SQLite file).
"""

from __future__ import annotations

import os
import random
import tempfile
import threading
import time
from typing import Any

import podium

_lock = threading.Lock()
_scanning = {"now": 0, "peak": 0}


def virus_scan(upload: dict[str, Any]) -> str:
    """The slow, fragile dependency: a (simulated) virus scanner."""
    with _lock:
        _scanning["now"] += 1
        _scanning["peak"] = max(_scanning["peak"], _scanning["now"])
    try:
        time.sleep(random.uniform(0.01, 0.03))
        return "infected" if upload["file"].endswith(".exe") else "clean"
    finally:
        with _lock:
            _scanning["now"] -= 1


def build(database_url: str | None = None) -> podium.App:
    """The uploads app: the `scans` queue and the workflow that goes through it."""
    app = podium.App("uploads", database_url=database_url)
    app.queue("scans", concurrency=4, per_key_concurrency=1, rate_limit=(50, 1.0), max_depth=500)
    scan = app.step(virus_scan)

    @app.step
    def publish_file(upload: dict[str, Any]) -> str:
        """Make a clean file available to its customer."""
        return f"https://files.example/{upload['customer']}/{upload['file']}"

    @app.step
    def quarantine(upload: dict[str, Any]) -> str:
        """Keep an infected file away from everyone."""
        return f"quarantined {upload['file']}"

    @app.workflow(queue="scans")
    def process_upload(upload: dict[str, Any]) -> str:
        """Scan an upload, then publish or quarantine it."""
        if scan(upload) == "clean":
            return publish_file(upload)
        return quarantine(upload)

    return app


app = build()


def main() -> None:
    """Burst 60 uploads into the queue, drain them with two workers, print what happened."""
    folder = tempfile.mkdtemp(prefix="podium-uploads-")
    demo = build(f"sqlite:///{os.path.join(folder, 'demo.db')}")
    uploads = [
        {"customer": f"c{n % 5}", "file": f"file{n}.{'exe' if n % 13 == 0 else 'pdf'}"}
        for n in range(60)
    ]
    started = time.perf_counter()
    handles = [demo.start("process_upload", u, key=u["customer"]) for u in uploads]
    print(f"queued {len(handles)} uploads in {time.perf_counter() - started:.2f}s")
    stats = demo.queue_stats("scans")
    print(
        f"queue now: {stats.depth} waiting, {stats.running} running, oldest {stats.oldest_age:.2f}s"
    )
    with demo.worker(concurrency=8, queues=["scans"]), demo.worker(8, queues=["scans"]):
        results = [h.result(timeout=60) for h in handles]
    elapsed = time.perf_counter() - started
    infected = sum(1 for r in results if r.startswith("quarantined"))
    print(f"scanned {len(results)} uploads in {elapsed:.2f}s ({infected} quarantined)")
    print(f"most scans at once: {_scanning['peak']} (queue limit 4, 16 worker threads)")
    demo.close()


if __name__ == "__main__":
    main()
