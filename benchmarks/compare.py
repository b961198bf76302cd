"""Compare this checkout's engine with an earlier commit's, alternating runs in one session.

Usage: python benchmarks/compare.py --base REV [--rounds 7] SCRIPT [SCRIPT ARGS...]
e.g.   python benchmarks/compare.py --base HEAD~5 w1_sequential.py --runs 1

A machine like ours drifts by more than the differences worth finding, so a figure from an
earlier session is no baseline. This checks REV out into a temporary git worktree and runs the
same benchmark script (this checkout's copy, so the workload is identical) against REV's
`src/` and this checkout's `src/` in turn, alternating which goes first, for `--rounds`
rounds. Each JSON line the script prints is keyed by workload, variant and store; for each key
it prints one JSON line with both medians and the median of the per-round ratios, expressed as
a speed-up of this checkout over REV (> 1 is faster, whether the metric is a rate or a time).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOWER_IS_BETTER = ("_ms", "_s", "instructions")
"""Durations (p50_ms, wall_s) and counts of work (instructions); a rate (steps_per_s) is
higher-is-better."""


def run_once(engine: Path, script: Path, args: list[str]) -> dict[str, dict[str, object]]:
    """One run of `script` against `engine`'s sources; its JSON lines by (workload, variant)."""
    env = {**os.environ, "PYTHONPATH": f"{engine / 'src'}{os.pathsep}{ROOT}"}
    proc = subprocess.run(
        [sys.executable, str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    lines = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")]
    return {"/".join(str(x.get(k, "")) for k in ("workload", "variant", "store")): x for x in lines}


def speedup(metric: str, base: float, head: float) -> float:
    """How many times faster head is than base for `metric` (a rate or a duration)."""
    if "per_s" not in metric and metric.endswith(LOWER_IS_BETTER):
        return base / head if head else float("inf")
    return head / base if base else float("inf")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--base", required=True, help="the commit to compare against (any git rev)")
    p.add_argument("--rounds", type=int, default=7, help="alternating rounds (default 7)")
    p.add_argument("script", help="a script in benchmarks/, e.g. w1_sequential.py")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the script's own options")
    opts = p.parse_args(argv)
    script = HERE / opts.script
    if not script.is_file():
        p.error(f"no benchmark script {script}; name one in {HERE}")
    if opts.rounds < 1:
        p.error("--rounds must be at least 1")
    with tempfile.TemporaryDirectory(prefix="podium-base-") as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(base_tree), opts.base],
            cwd=ROOT,
            check=True,
        )
        try:
            results: dict[str, list[tuple[float, float]]] = {}
            metrics: dict[str, str] = {}
            skipped: set[str] = set()
            for round_no in range(opts.rounds):
                order = [base_tree, ROOT] if round_no % 2 == 0 else [ROOT, base_tree]
                runs = {tree: run_once(tree, script, opts.args) for tree in order}
                for key, head_line in runs[ROOT].items():
                    base_line = runs[base_tree].get(key)
                    if base_line is None:
                        continue
                    if not {"metric", "median"} <= head_line.keys() & base_line.keys():
                        skipped.add(key)  # a line of figures that are not one timed metric
                        continue
                    metrics[key] = str(head_line["metric"])
                    pair = (float(base_line["median"]), float(head_line["median"]))  # type: ignore[arg-type]
                    results.setdefault(key, []).append(pair)
                print(f"== round {round_no + 1}/{opts.rounds}", file=sys.stderr, flush=True)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False
            )
    if skipped:
        print(
            f"left out (no 'metric' and 'median' to compare): {', '.join(sorted(skipped))}",
            file=sys.stderr,
        )
    if not results:
        print(f"{opts.script} printed no line with a 'metric' and a 'median'", file=sys.stderr)
        return 1
    for key, pairs in results.items():
        metric = metrics[key]
        ratios = [speedup(metric, b, h) for b, h in pairs]
        print(
            json.dumps(
                {
                    "compare": key,
                    "base": opts.base,
                    "metric": metric,
                    "base_median": statistics.median(b for b, _ in pairs),
                    "head_median": statistics.median(h for _, h in pairs),
                    "speedup_median": round(statistics.median(ratios), 3),
                    "speedups": [round(r, 3) for r in ratios],
                }
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
