"""Benchmark of podium.intelligence.Forecaster on the load-like NAB series.

Protocol (issue 17, README of the data): the series that count arrivals or load, selected
exactly by the README's patterns: `realAWSCloudwatch/*request_count*`, `*network_in*`,
`*cpu_utilization*` and every `realTraffic/*` (fnmatch on the file name, case as written).
NAB also spells the CloudWatch NetworkIn metric without the underscore
(`iio_us-east-1_i-a2eb1cd9_NetworkIn.csv`); the literal pattern does not match it, so it is not
counted (`--include '*NetworkIn*'` adds it, as some earlier runs did by mistake); each
read once in time order. Forecast origins every hour over the last 20% of the points: on an
hourly clock from the first point of that 20%, the origin is the last point at or before each
tick (a point is an origin once). Horizons 15 min and 1 h: the actual is the series point at
origin + horizon, or for an irregular series the one nearest that time (after the origin, and
within half the horizon of it; none: the origin is skipped at that horizon, for every method
alike). Seasonal-naive forecasts the point at or nearest (target - 1 day) under the same rule
(none: skipped too). Score: mean absolute error of a method divided by seasonal-naive's on the
same points, geometric mean over series. The Forecaster's forecast at a target between two of
its steps is interpolated linearly.

The summary line also gives the ratio on two halves of the series set (alternate files, A and
B), to check that a change helps both. Baselines measured in the same run: seasonal-naive
(1.0 by definition), last value, EWMA (alpha 0.3), and the issue's coverage target for the
0.9 band (85-95%).

With about 70 origins a series, a figure depends a good deal on where the hourly clock
falls (a daily or hourly job's minute is hit or missed): `--phases N` scores the same
protocol N times with the clock shifted by 1/N hour and prints the geometric mean over the
shifts, a steadier figure to compare methods by (the headline stays the unshifted one).

`--dense` scores the same protocol once more with every point of the last 20% an origin
(about twelve times the origins at 5-minute steps) and prints its figures on one more line:
the steadiest figure to compare methods by on this small set (a change of 0.005 in the
headline is within the luck of the hourly clock; the dense figure moves far less).

Usage: python benchmarks/intelligence/forecast.py [DATA_DIR] [--quiet] [--phases N]
    [--dense] [--include PATTERN] [--exclude PATTERN]
DATA_DIR defaults to ../shared/data/nab-dev relative to the repository root. Prints one
JSON line per series, then one summary line (then one line for --phases), on stdout.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import fnmatch
import itertools
import json
import math
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from podium.intelligence.forecast import Forecaster

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT.parent / "shared" / "data" / "nab-dev"
PATTERNS = {
    "realAWSCloudwatch": ("*request_count*", "*network_in*", "*cpu_utilization*"),
    "realTraffic": ("*",),
}
HORIZONS = {"15min": 900.0, "1h": 3600.0}
TARGET = {"15min": 0.45, "1h": 0.55}
EWMA_ALPHA = 0.3


def series_files(
    data: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()
) -> list[Path]:
    """The load-like series: file names matching PATTERNS (or `include`), not `exclude`."""
    files = []
    for family, patterns in PATTERNS.items():
        if family == "realAWSCloudwatch":
            patterns = patterns + include
        for path in sorted((data / "data" / family).glob("*.csv")):
            name = path.name
            if any(fnmatch.fnmatchcase(name, p) for p in patterns) and not any(
                fnmatch.fnmatchcase(name, p) for p in exclude
            ):
                files.append(path)
    return files


def read(path: Path) -> tuple[list[float], list[float]]:
    times, values = [], []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            t = datetime.fromisoformat(row["timestamp"]).replace(tzinfo=UTC).timestamp()
            if times and t <= times[-1]:
                continue  # a repeated timestamp (a few in realTraffic): keep the first
            times.append(t)
            values.append(float(row["value"]))
    return times, values


def nearest(times: list[float], t: float, tol: float) -> int | None:
    i = bisect.bisect_left(times, t)
    best = None
    for j in (i - 1, i):
        if 0 <= j < len(times) and abs(times[j] - t) <= tol:
            if best is None or abs(times[j] - t) < abs(times[best] - t):
                best = j
    return best


def at_offset(forecast: list[float], last: float, p: float) -> float:
    """The forecast p steps after the last point (p >= 0), linear between steps."""
    if p <= 1.0:
        return last + (forecast[0] - last) * p
    i = int(p)  # forecast[i - 1] is i steps ahead
    if i >= len(forecast):
        return forecast[-1]
    w = p - i
    return forecast[i - 1] + (forecast[i] - forecast[i - 1]) * w


def evaluate(path: Path, offset: float = 0.0, dense: bool = False) -> dict[str, object]:
    """One series' figures; `offset` (seconds) shifts the hourly clock of the origins.

    `dense`: every point of the last 20% is an origin instead (no hourly clock).
    """
    times, values = read(path)
    n = len(times)
    step = statistics.median(b - a for a, b in itertools.pairwise(times))
    start = int(0.8 * n)
    # the origins: the last point at or before each hourly tick from times[start] on
    origins = set(range(start, n)) if dense else set()
    tick = times[start] + offset
    while tick <= times[-1] and not dense:
        origins.add(bisect.bisect_right(times, tick) - 1)
        tick += 3600.0
    methods = ("forecaster", "seasonal_naive", "last_value", "ewma")
    abs_err = {h: {m: 0.0 for m in methods} for h in HORIZONS}
    covered = {h: 0 for h in HORIZONS}
    count = {h: 0 for h in HORIZONS}
    f = Forecaster()
    ewma = values[0]
    for i in range(n):
        t, y = times[i], values[i]
        f.update(t, y)
        ewma += EWMA_ALPHA * (y - ewma)
        if i not in origins:
            continue
        fstep = f.step or step
        k = math.ceil(max(HORIZONS.values()) / fstep) + 2
        point = f.forecast(k)
        upper = f.forecast(k, quantile=0.9)
        for h, secs in HORIZONS.items():
            tol = secs / 2.0
            j = nearest(times, t + secs, tol)
            if j is None or j <= i:
                continue
            s = nearest(times, times[j] - 86400.0, tol)
            if s is None:
                continue
            actual = values[j]
            p = (times[j] - t) / fstep
            fc = at_offset(point, y, p)
            up = at_offset(upper, y, p)
            e = abs_err[h]
            e["forecaster"] += abs(actual - fc)
            e["seasonal_naive"] += abs(actual - values[s])
            e["last_value"] += abs(actual - y)
            e["ewma"] += abs(actual - ewma)
            covered[h] += actual <= up
            count[h] += 1
    out: dict[str, object] = {
        "series": f"{path.parent.name}/{path.name}",
        "points": n,
        "step_s": step,
        "origins": count,
    }
    for h in HORIZONS:
        base = abs_err[h]["seasonal_naive"]
        out[h] = {
            "mae": {m: abs_err[h][m] / max(count[h], 1) for m in methods},
            "ratio": {m: (abs_err[h][m] / base if base > 0 else None) for m in methods},
            "coverage_0.9": covered[h] / count[h] if count[h] else None,
        }
    return out


def speed(paths: list[Path]) -> dict[str, float]:
    """CPU microseconds per update over whole series, and per forecast(12) at their ends.

    CPU time of this process (not wall time), so a busy shared machine does not inflate it.
    The update time includes one forecast(1) at the end of each series: the forecaster
    scores its past forecasts lazily (queued until a forecast needs them), and that work
    belongs to the updates, not to the forecasts timed after it.
    """
    updates = 0
    spent = 0.0
    fc_times = []
    band_times = []
    for path in paths:
        times, values = read(path)
        f = Forecaster()
        upd = f.update
        t0 = time.process_time()
        for t, y in zip(times, values, strict=True):
            upd(t, y)
        f.forecast(1)  # the scoring the forecaster defers to its next forecast is update time
        spent += time.process_time() - t0
        updates += len(times)
        reps = 200
        t0 = time.process_time()
        for _ in range(reps):
            f.forecast(12)
        fc_times.append((time.process_time() - t0) / reps)
        t0 = time.process_time()
        for _ in range(reps):
            f.forecast(12, quantile=0.9)
        band_times.append((time.process_time() - t0) / reps)
    return {
        "us_per_update": 1e6 * spent / updates,
        "us_per_forecast12": 1e6 * statistics.median(fc_times),
        "us_per_forecast12_q90": 1e6 * statistics.median(band_times),
    }


def geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT), help="the nab-dev folder")
    ap.add_argument("--quiet", action="store_true", help="print only the summary line")
    ap.add_argument(
        "--phases",
        type=int,
        default=1,
        help="also score with the origins' hourly clock shifted by 1/N hour steps (N runs)",
    )
    ap.add_argument(
        "--dense",
        action="store_true",
        help="also score with every point of the last 20%% an origin (a steadier figure)",
    )
    ap.add_argument(
        "--include",
        action="append",
        default=[],
        help="another realAWSCloudwatch file pattern to count (e.g. '*NetworkIn*')",
    )
    ap.add_argument(
        "--exclude",
        action="append",
        default=[],
        help="a file pattern to leave out",
    )
    args = ap.parse_args()
    data = Path(args.data)
    if not (data / "data").is_dir():
        print(
            f"error: no NAB data at {data} (expected {data}/data/<family>/<file>.csv); "
            "pass the nab-dev folder as the first argument, e.g. ../shared/data/nab-dev",
            file=sys.stderr,
        )
        return 2
    paths = series_files(data, tuple(args.include), tuple(args.exclude))
    if not paths:
        print(f"error: no load-like series under {data}/data", file=sys.stderr)
        return 2
    results = []
    for path in paths:
        r = evaluate(path)
        results.append(r)
        if not args.quiet:
            print(json.dumps(r), flush=True)
    summary: dict[str, object] = {"summary": True, "series": len(results)}
    summary.update(summarise(results))
    # the same ratio on two halves of the series set (alternate files), to check that a
    # change helps both and is not carried by a few series
    summary["halves"] = {
        half: {
            h: round(geomean([r[h]["ratio"]["forecaster"] for r in part]), 4)  # type: ignore[index]
            for h in HORIZONS
        }
        for half, part in (("A", results[::2]), ("B", results[1::2]))
    }
    summary.update({k: round(v, 2) for k, v in speed(paths).items()})
    print(json.dumps(summary), flush=True)
    if args.phases > 1:
        # the same figures with the origins' hourly clock shifted: how much of a figure is
        # the luck of where the origins fall (e.g. on a daily job's minute)
        per_phase = [summarise(results)]
        for k in range(1, args.phases):
            offset = k * 3600.0 / args.phases
            per_phase.append(summarise([evaluate(path, offset) for path in paths]))
        line: dict[str, object] = {"phases": args.phases}
        for h in HORIZONS:
            line[h] = {
                m: {
                    "geomean": round(geomean([p[h][m] for p in per_phase]), 4),  # type: ignore[index]
                    "per_phase": [p[h][m] for p in per_phase],  # type: ignore[index]
                }
                for m in ("forecaster", "last_value")
            }
            line[h]["coverage_0.9_pooled"] = [p[h]["coverage_0.9_pooled"] for p in per_phase]  # type: ignore[index]
        print(json.dumps(line), flush=True)
    if args.dense:
        dense = [evaluate(path, dense=True) for path in paths]
        row: dict[str, object] = {"dense": True}
        row.update(summarise(dense))
        row["halves"] = {
            half: {
                h: round(geomean([r[h]["ratio"]["forecaster"] for r in part]), 4)  # type: ignore[index]
                for h in HORIZONS
            }
            for half, part in (("A", dense[::2]), ("B", dense[1::2]))
        }
        print(json.dumps(row), flush=True)
    return 0


def summarise(results: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """Geometric-mean ratios over the series and pooled coverage, per horizon."""
    out: dict[str, dict[str, object]] = {}
    for h in HORIZONS:
        row: dict[str, object] = {}
        for m in ("forecaster", "seasonal_naive", "last_value", "ewma"):
            ratios = [r[h]["ratio"][m] for r in results if r[h]["ratio"][m]]  # type: ignore[index]
            row[m] = round(geomean(ratios), 4)
        scored = [r for r in results if r[h]["coverage_0.9"] is not None]  # type: ignore[index]
        cov = [r[h]["coverage_0.9"] for r in scored]  # type: ignore[index]
        hits = sum(c * r["origins"][h] for c, r in zip(cov, scored, strict=True))  # type: ignore[index]
        total = sum(r["origins"][h] for r in scored)  # type: ignore[index]
        row["coverage_0.9_pooled"] = round(hits / total, 4)
        row["coverage_0.9_median_series"] = round(statistics.median(cov), 4)
        row["target"] = TARGET[h]
        out[h] = row
    return out


if __name__ == "__main__":
    sys.exit(main())
