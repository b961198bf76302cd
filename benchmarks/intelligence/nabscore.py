"""A scorer for the Numenta Anomaly Benchmark's protocol, written from its description.

What it implements (Lavin & Ahmad, "Evaluating Real-time Anomaly Detection Algorithms - the
Numenta Anomaly Benchmark", ICMLA 2015; the project's ``../shared/data/README.md``):

- every series is read once, in time order; a detector emits a score in [0, 1] per point;
- the first 15% of each series (at most 750 points) is probationary and not scored;
- each labelled window earns the weight of its *earliest* detection (a point scored at or
  above the threshold): ``A_TP * sigma(p) / sigma(-1)`` where ``p = -(end - i + 1) / width``
  is the position in the window and ``sigma(p) = 2 / (1 + exp(5 p)) - 1`` (so the first point
  earns about A_TP, the last about 0); more detections in the same window add nothing;
- a window with no detection costs ``A_FN``;
- a detection outside every window costs ``A_FP * sigma(p)`` with ``p`` the distance past the
  end of the previous window in units of its width (``-1`` when there is no window before
  it, or when ``p >= 3``): a false alarm just after a window costs less than a far one;
- one threshold for the whole corpus, chosen by sweeping every distinct score;
- the raw total is normalised so that the null detector (no detection) scores 0 and a perfect
  one (every window detected at its first point, nothing else) scores 100.

The standard profile is A_TP = 1, A_FP = 0.11, A_FN = 1.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

STANDARD = {"tp": 1.0, "fp": 0.11, "fn": 1.0}


def scaled_sigmoid(position: float) -> float:
    """NAB's weight of a detection at a relative position (-1 = window start, 0 = its end)."""
    if position >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def probation_length(n: int, fraction: float = 0.15, cap: int = 5000) -> float:
    """The number of leading points of an n-point series that are not scored."""
    return min(math.floor(fraction * n), fraction * cap)


@dataclass
class Series:
    """One labelled series: timestamps, values and its windows as (first, last) indices."""

    name: str
    timestamps: list[datetime]
    values: list[float]
    windows: list[tuple[int, int]] = field(default_factory=list)


def load_corpus(root: Path) -> list[Series]:
    """Every ``data/**/*.csv`` of a NAB-layout folder, with ``labels/combined_windows.json``."""
    labels = json.loads((root / "labels" / "combined_windows.json").read_text())
    corpus = []
    for rel in sorted(labels):
        lines = (root / "data" / rel).read_text().splitlines()[1:]
        stamps, values = [], []
        for line in lines:
            ts, value = line.split(",")
            stamps.append(datetime.fromisoformat(ts))
            values.append(float(value))
        index: dict[datetime, int] = {}
        for i, ts in enumerate(stamps):
            index.setdefault(ts, i)  # NAB looks windows up by first occurrence
        windows = [
            (index[datetime.fromisoformat(a)], index[datetime.fromisoformat(b)])
            for a, b in labels[rel]
        ]
        corpus.append(Series(rel, stamps, values, windows))
    return corpus


def point_weights(
    n: int, windows: Sequence[tuple[int, int]], profile: dict[str, float]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], int]:
    """Per point: its weight if detected, its window (-1 = none) and the probation length.

    Points in the probationary period get window -2 (they are not scored).
    """
    weight = np.zeros(n)
    window_of = np.full(n, -1, dtype=np.int64)
    max_tp = scaled_sigmoid(-1.0)
    starts = {a: (k, b) for k, (a, b) in enumerate(sorted(windows))}
    current: tuple[int, int, int] | None = None  # (window number, first, last)
    prev_end: int | None = None
    prev_width = 0
    for i in range(n):
        if current is None and i in starts:
            k, last = starts[i]
            current = (k, i, last)
        if current is not None:
            k, first, last = current
            width = last - first + 1
            weight[i] = profile["tp"] * scaled_sigmoid(-(last - i + 1) / width) / max_tp
            window_of[i] = k
            if i == last:
                current = None
                prev_end, prev_width = i, width
        else:
            position = 3.0 if prev_end is None else abs(prev_end - i) / max(prev_width - 1, 1)
            weight[i] = profile["fp"] * scaled_sigmoid(position)
    probation = probation_length(n)
    window_of[: math.ceil(probation)] = -2
    return weight, window_of, math.ceil(probation)


@dataclass
class Result:
    """The best corpus-wide threshold and what it scores."""

    score: float  # normalised: null = 0, perfect = 100
    raw: float
    threshold: float
    detected: int
    windows: int
    false_positives: int


def sweep(
    corpus: Sequence[Series],
    scores: Sequence[Sequence[float]],
    profile: dict[str, float] = STANDARD,
) -> Result:
    """Score one detector's outputs on a corpus with the best single threshold."""
    all_scores, all_weights, all_windows = [], [], []
    n_windows = 0
    for series, s in zip(corpus, scores, strict=True):
        if len(s) != len(series.values):
            raise ValueError(f"{series.name}: {len(s)} scores for {len(series.values)} points")
        weight, window_of, _ = point_weights(len(s), series.windows, profile)
        keep = window_of != -2
        ids = window_of[keep]
        # Globally unique window ids; a window wholly in probation does not count.
        counted = sorted(set(ids[ids >= 0].tolist()))
        remap = {k: n_windows + j for j, k in enumerate(counted)}
        n_windows += len(counted)
        all_scores.append(np.asarray(s, dtype=np.float64)[keep])
        all_weights.append(weight[keep])
        all_windows.append(np.array([remap.get(int(k), -1) for k in ids], dtype=np.int64))
    sc = np.concatenate(all_scores)
    wt = np.concatenate(all_weights)
    wi = np.concatenate(all_windows)
    if not np.all(np.isfinite(sc)):
        raise ValueError("scores must be finite")
    order = np.argsort(-sc, kind="stable")
    sc, wt, wi = sc[order], wt[order], wi[order]

    best_in = np.full(n_windows, -np.inf)
    fp_sum = 0.0
    fp_count = 0
    tp_sum = 0.0  # sum over detected windows of their best weight
    detected = 0
    null = -profile["fn"] * n_windows
    best = Result(0.0, null, 1.1, 0, n_windows, 0)
    i, n = 0, len(sc)
    while i < n:
        threshold = sc[i]
        while i < n and sc[i] == threshold:
            k = wi[i]
            if k < 0:
                fp_sum += wt[i]
                fp_count += 1
            elif wt[i] > best_in[k]:
                if best_in[k] == -np.inf:
                    detected += 1
                    tp_sum += wt[i]
                else:
                    tp_sum += wt[i] - best_in[k]
                best_in[k] = wt[i]
            i += 1
        raw = tp_sum + fp_sum - profile["fn"] * (n_windows - detected)
        if raw > best.raw:
            best = Result(0.0, float(raw), float(threshold), detected, n_windows, fp_count)
    perfect = profile["tp"] * n_windows
    best.score = 100.0 * (best.raw - null) / (perfect - null) if perfect > null else 0.0
    return best


def score_at(
    corpus: Sequence[Series],
    scores: Sequence[Sequence[float]],
    threshold: float,
    profile: dict[str, float] = STANDARD,
) -> float:
    """The normalised score (null = 0, perfect = 100) of one detector at a given threshold.

    For the held-out check: a threshold chosen by ``sweep`` on some series, applied to others.
    """
    raw, n_windows = 0.0, 0
    for series, s in zip(corpus, scores, strict=True):
        weight, window_of, _ = point_weights(len(s), series.windows, profile)
        detected = np.asarray(s, dtype=np.float64) >= threshold
        counted = set(window_of[window_of >= 0].tolist())
        n_windows += len(counted)
        for k in counted:
            hits = detected & (window_of == k)
            raw += float(weight[hits].max()) if hits.any() else -profile["fn"]
        raw += float(weight[detected & (window_of == -1)].sum())
    perfect, null = profile["tp"] * n_windows, -profile["fn"] * n_windows
    return 100.0 * (raw - null) / (perfect - null) if perfect > null else 0.0


def held_out(
    corpus: Sequence[Series],
    scores: Sequence[Sequence[float]],
    splits: int = 4,
    seed: int = 0,
    profile: dict[str, float] = STANDARD,
) -> float:
    """Mean score on held-out halves: the threshold is swept on half of the series (a seeded
    random half) and scored on the other half, both ways, over ``splits`` splits.

    An honest figure next to the full-corpus one, whose threshold is chosen on the very series
    it scores.
    """
    rng = np.random.default_rng(seed)
    figures = []
    for _ in range(splits):
        order = rng.permutation(len(corpus))
        half = len(corpus) // 2
        for tune, test in ((order[:half], order[half:]), (order[half:], order[:half])):
            chosen = sweep([corpus[i] for i in tune], [scores[i] for i in tune], profile)
            figures.append(
                score_at(
                    [corpus[i] for i in test], [scores[i] for i in test], chosen.threshold, profile
                )
            )
    return float(np.mean(figures))
