"""CPU instructions per workflow of `app.run`, counted by valgrind: a figure load cannot move.

Usage: python benchmarks/instructions.py [--workload w3|w1|all] [--n1 100] [--n2 400]

Timings on a shared two-core machine swing by 10-30% from run to run, more than most
changes worth finding. An instruction count does not: this runs the W3 workload (one-step
workflows) and the W1 workload (five-step ones) with `app.run` in one thread under
`valgrind --tool=callgrind`, once with `--n1` and once with `--n2` workflows, and reports
(instructions at n2 - instructions at n1) / (n2 - n1): the cost of one more workflow, with
start-up, imports and migrations cancelled out. Runs repeat with `--runs` (median).

It counts the engine's own work (Python, the JSON codec, SQLite's statements); it does not
see waits, fsyncs or thread hand-offs, so it complements the timed benchmarks rather than
replacing them, and background workers are left out (valgrind runs one thread at a time,
which changes what their waits do). With `benchmarks/compare.py` it tells, against an
earlier commit, whether a change made the hot path cheaper.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common, w1_sequential, w3_latency

WORKLOADS = {"w3": ("W3", 1), "w1": ("W1", 5)}
"""Workload option: (workload name, steps per workflow)."""
WARMUP = 5
_TOTALS = re.compile(r"^totals:\s+(\d+)", re.MULTILINE)


def inner(workload: str, n: int, telemetry: bool) -> None:
    """Run `n` workflows of `workload` with `app.run` after a warm-up (under valgrind).

    `telemetry`: collect telemetry (the step observer and run listener count every attempt
    and run; with no worker there is no flusher, so this counts the step path's share only).
    """
    define = w3_latency.define if workload == "w3" else w1_sequential.define(5)
    with common.fresh_app("normal", define) as (app, wf, _path):
        if telemetry:
            app.telemetry()
        for i in range(WARMUP + n):
            app.run(wf, i)


def instructions(workload: str, n: int, telemetry: bool = False) -> tuple[int, int]:
    """Instructions callgrind counts for a process that runs `n` workflows: (main thread,
    every other thread)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory(prefix="podium-callgrind-") as out:
        proc = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--separate-threads=yes",
                f"--callgrind-out-file={out}/cg",
                sys.executable,
                __file__,
                "--inner",
                workload,
                str(n),
                *(["--telemetry"] if telemetry else []),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"valgrind run failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        per_thread = {path.name: _totals(path) for path in Path(out).glob("cg-*")}
    main = per_thread.pop("cg-01", None)
    if main is None:
        raise SystemExit(f"valgrind wrote no count for the main thread:\n{proc.stderr[-2000:]}")
    return main, sum(per_thread.values())


def _totals(path: Path) -> int:
    """The instruction total of one callgrind output file."""
    found = _TOTALS.search(path.read_text())
    if found is None:
        raise SystemExit(f"no totals line in {path}")
    return int(found.group(1))


def per_workflow(workload: str, n1: int, n2: int, telemetry: bool = False) -> tuple[float, float]:
    """Instructions one more workflow costs, in the main thread and in the others: the
    difference of two runs over their sizes."""
    main1, other1 = instructions(workload, n1, telemetry)
    main2, other2 = instructions(workload, n2, telemetry)
    return (main2 - main1) / (n2 - n1), (other2 - other1) / (n2 - n1)


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__ or "")
    p.add_argument("--workload", choices=[*WORKLOADS, "all"], default="all")
    p.add_argument("--n1", type=int, default=100, help="workflows of the smaller run")
    p.add_argument("--n2", type=int, default=400, help="workflows of the larger run")
    p.add_argument(
        "--telemetry", action="store_true", help="with telemetry collected (app.telemetry())"
    )
    p.add_argument("--inner", nargs=2, metavar=("WORKLOAD", "N"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.inner:
        inner(args.inner[0], int(args.inner[1]), args.telemetry)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("instructions.py needs valgrind (apt-get install valgrind)")
    if not 0 < args.n1 < args.n2:
        raise SystemExit("--n1 and --n2 must satisfy 0 < n1 < n2")
    n_runs = common.runs(args) if args.runs is not None else 1
    chosen = list(WORKLOADS) if args.workload == "all" else [args.workload]
    for key in chosen:
        name, steps = WORKLOADS[key]
        pairs = [per_workflow(key, args.n1, args.n2, args.telemetry) for _ in range(n_runs)]
        values = [main for main, _other in pairs]
        background = [other for _main, other in pairs]
        common.note(f"{name} run: {statistics.median(values):,.0f} instructions per workflow")
        line: dict[str, Any] = {
            **common.header(name, "run", "normal", n_runs),
            "steps": steps,
            "n1": args.n1,
            "n2": args.n2,
            "metric": "instructions",
            "median": round(statistics.median(values)),
            "values": [round(v) for v in values],
            "per_step": round(statistics.median(values) / steps),
            "background": {
                "median": round(statistics.median(background)),
                "values": [round(v) for v in background],
            },
            "telemetry": args.telemetry,
        }
        common.emit(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
