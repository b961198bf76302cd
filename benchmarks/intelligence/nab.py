"""NAB standard score of podium's AnomalyDetector on nab-dev, next to baselines.

Usage: ``.venv/bin/python benchmarks/intelligence/nab.py [DATA_DIR]`` (default
``../shared/data/nab-dev`` relative to the repository root). Prints one JSON line per detector
(``podium``, ``null``, ``random``, ``ewma_z``) with the normalised standard-profile score, the
best corpus-wide threshold, windows detected, false positives, the held-out figure
(``held_out_halves``: the threshold swept on a random half of the series and scored on the
other half, both ways, four seeded splits, averaged: an honest figure next to the full one,
whose threshold is chosen on the series it scores), and points/s (wall clock, and per second
of this process's CPU time, which is the figure to read on a shared machine). The scoring
follows ``benchmarks/intelligence/nabscore.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.intelligence.nabscore import Series, held_out, load_corpus, sweep

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / ".." / "shared" / "data" / "nab-dev"

Detector = Callable[[Sequence[datetime], Sequence[float]], list[float]]


def podium_detector(stamps: Sequence[datetime], values: Sequence[float]) -> list[float]:
    """podium's AnomalyDetector, one fresh instance per series, batch call."""
    from podium.intelligence.anomaly import AnomalyDetector

    return AnomalyDetector()(list(zip(stamps, values, strict=True)))


def null_detector(stamps: Sequence[datetime], values: Sequence[float]) -> list[float]:
    """Never alarms."""
    return [0.0] * len(values)


def random_detector(stamps: Sequence[datetime], values: Sequence[float]) -> list[float]:
    """Uniform noise, seeded by the series length (NAB's random baseline)."""
    rng = random.Random(len(values))
    return [rng.random() for _ in values]


def ewma_z_detector(stamps: Sequence[datetime], values: Sequence[float]) -> list[float]:
    """|x - EWMA| / EW standard deviation (span ~ 100 points), squashed to [0, 1)."""
    alpha = 0.02
    mean, var = values[0], 0.0
    out = []
    for x in values:
        sd = math.sqrt(var)
        z = abs(x - mean) / sd if sd > 0 else 0.0
        out.append(z / (1.0 + z))
        d = x - mean
        mean += alpha * d
        var = (1 - alpha) * (var + alpha * d * d)
    return out


DETECTORS: dict[str, Detector] = {
    "podium": podium_detector,
    "null": null_detector,
    "random": random_detector,
    "ewma_z": ewma_z_detector,
}


def run(corpus: Sequence[Series], name: str, detector: Detector) -> dict[str, object]:
    """Score every series with a detector, time it and sweep the threshold."""
    started, cpu_started = time.perf_counter(), time.process_time()
    scores = [detector(s.timestamps, s.values) for s in corpus]
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    points = sum(len(s.values) for s in corpus)
    result = sweep(corpus, scores)
    return {
        "benchmark": "nab",
        "detector": name,
        "profile": "standard",
        "score": round(result.score, 2),
        "held_out_halves": round(held_out(corpus, scores), 2),
        "threshold": result.threshold,
        "windows_detected": result.detected,
        "windows": result.windows,
        "false_positives": result.false_positives,
        "series": len(corpus),
        "points": points,
        "points_per_s": round(points / elapsed) if elapsed > 0 else None,
        "points_per_cpu_s": round(points / cpu) if cpu > 0 else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, load the corpus, print one JSON line per detector."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("data", nargs="?", default=str(DEFAULT), help="a NAB-layout folder")
    p.add_argument("--only", choices=sorted(DETECTORS), action="append", help="run only these")
    p.add_argument("--per-file", action="store_true", help="also print podium's score per file")
    args = p.parse_args(argv)
    root = Path(args.data)
    if not (root / "labels" / "combined_windows.json").is_file():
        print(
            f"nab.py: no NAB data at {root.resolve()} (expected data/ and "
            "labels/combined_windows.json); pass the folder as the first argument",
            file=sys.stderr,
        )
        return 2
    corpus = load_corpus(root)
    for name in args.only or list(DETECTORS):
        print(json.dumps(run(corpus, name, DETECTORS[name])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
