"""What `App.worker(cpu=...)` gains and costs: a background worker with its threads on one CPU.

Two workloads, each run with the worker's threads placed by the OS and kept on one CPU, the
settings alternating round by round (fresh SQLite file and process state per run):

- `light`: W1's work (N workflows x 5 trivial steps, every step checkpointed) on a worker of
  8 threads: the engine's own Python and SQLite calls, where the GIL passes between the
  worker's threads many times per step.
- `gil_free`: N one-step workflows whose step hashes 8 MB with `hashlib` (which releases the
  GIL): work that runs on several CPUs at once only while the threads may use them; the
  price of keeping them on one.

Prints one JSON line per workload: workflows/s per setting (median of the rounds, and each
round) and the ratio pinned / unpinned. The CPU is `--cpu` (default "auto").

Usage: python benchmarks/pinning.py [--rounds N] [--cpu N|auto] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import podium
from benchmarks import common, w1_sequential

DATA = b"\x5a" * (8 << 20)


def define_gil_free(app: podium.App) -> Any:
    """One step that hashes 8 MB (the GIL released meanwhile) and a workflow running it."""

    @app.step
    def digest(i: int) -> str:
        return hashlib.sha256(DATA).hexdigest()[:8] + str(i)

    @app.workflow
    def hashed(i: int) -> str:
        return str(digest(i))

    return hashed


WORKLOADS: dict[str, tuple[Callable[[podium.App], Any], int]] = {
    "light": (w1_sequential.define(5), 2000),
    "gil_free": (define_gil_free, 80),
}


def one_run(workload: str, n: int, cpu: int | str | None) -> float:
    """Workflows per second of one run: start `n`, wait for every result (checked)."""
    define, _ = WORKLOADS[workload]
    with common.fresh_app("normal", define) as (app, wf, _path):
        wall, results = w1_sequential.run_worker(app, wf, n, 8, cpu)
    if len(results) != n:
        raise SystemExit(f"{workload}: {len(results)} results, expected {n}")
    return n / wall


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--rounds", type=int, default=5, help="rounds per setting (default 5)")
    p.add_argument("--quick", action="store_true", help="1 round, small sizes (smoke test)")
    common.cpu_option(p)
    args = p.parse_args(argv)
    cpu = args.cpu if args.cpu is not None else "auto"
    rounds = 1 if args.quick else args.rounds
    for workload, (_, size) in WORKLOADS.items():
        n = max(size // 10, 8) if args.quick else size
        rates: dict[str, list[float]] = {"os": [], "one_cpu": []}
        for _ in range(rounds):
            rates["os"].append(one_run(workload, n, None))
            rates["one_cpu"].append(one_run(workload, n, cpu))
        medians = {k: statistics.median(v) for k, v in rates.items()}
        line = {
            "workload": f"pinning-{workload}",
            "n": n,
            "concurrency": 8,
            "worker_cpu": cpu,
            "rounds": rounds,
            "metric": "workflows_per_s",
            "workflows_per_s": {
                k: {"median": round(medians[k], 1), "values": [round(x, 1) for x in v]}
                for k, v in rates.items()
            },
            "ratio_one_cpu_os": round(medians["one_cpu"] / medians["os"], 3),
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
