"""Run the floor, W1-W3 and the ASL chain, each in a fresh Python process; print the JSON lines.

Usage: python benchmarks/run_all.py [--runs N] [--synchronous normal|full|both] [--quick]
[--postgres] (`./run bench` calls this). Progress goes to stderr; stdout holds only JSON lines.
The default (5 runs, synchronous normal) takes well under 3 minutes on 2 cores. --postgres
adds pg_floor.py and pg_workers.py (3 runs unless --runs/--quick; about 3 more minutes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("floor.py", "w1_sequential.py", "w2_fanout.py", "w3_latency.py", "asl_chain.py")
POSTGRES_SCRIPTS = ("pg_floor.py", "pg_workers.py")


def run_script(script: str, options: list[str]) -> tuple[list[str], bool]:
    """Run one benchmark script; its JSON lines and whether it succeeded."""
    proc = subprocess.run(
        [sys.executable, str(HERE / script), *options],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
        cwd=HERE.parent,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    for ln in lines:
        json.loads(ln)  # every stdout line must be one JSON object
    return lines, proc.returncode == 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=None, help="repetitions per benchmark")
    p.add_argument("--synchronous", choices=["normal", "full", "both"], default="normal")
    p.add_argument("--quick", action="store_true", help="small sizes, 1 run (smoke test)")
    p.add_argument(
        "--postgres", action="store_true", help="also the PostgreSQL benchmarks (minutes)"
    )
    args = p.parse_args(argv)
    levels = ["normal", "full"] if args.synchronous == "both" else [args.synchronous]
    failed = []
    start = time.perf_counter()
    for level in levels:
        options = ["--synchronous", level]
        options += ["--runs", str(args.runs)] if args.runs is not None else []
        options += ["--quick"] if args.quick else []
        for script in SCRIPTS:
            print(f"== {script} {' '.join(options)}", file=sys.stderr, flush=True)
            lines, ok = run_script(script, options)
            for ln in lines:
                print(ln, flush=True)
            if not ok:
                failed.append(f"{script} ({level})")
    if args.postgres:
        runs = args.runs if args.runs is not None else None if args.quick else 3
        options = ["--runs", str(runs)] if runs is not None else []
        options += ["--quick"] if args.quick else []
        for script in POSTGRES_SCRIPTS:
            print(f"== {script} {' '.join(options)}", file=sys.stderr, flush=True)
            lines, ok = run_script(script, options)
            for ln in lines:
                print(ln, flush=True)
            if not ok:
                failed.append(script)
    print(f"== done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    if failed:
        print(f"== FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
