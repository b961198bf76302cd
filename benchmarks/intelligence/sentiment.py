"""Benchmark of `SentimentScorer` on VADER's human-rated ground truth (sentiment-dev).

    .venv/bin/python benchmarks/intelligence/sentiment.py [DATA_DIR]

DATA_DIR defaults to ../shared/data/sentiment-dev (relative to the repository root): the
tab-separated files `id, mean rating (-4..4), text`. "Negative" means a rating <= -0.5; the
scorer calls a text negative when its score is below 0 (`NEGATIVE_CUTOFF`). One JSON line per
file and one for all files pooled, for the scorer and for the baseline measured in the same
run (a plain lexicon count: the sum of the lexicon's valences of the words, no rules), with
precision/recall at the cut-off, ROC-AUC, the best precision at recall >= 0.70, Pearson r
against the ratings and texts/s. A last line measures learning from feedback: `learn()` on
every other text of a file, scored on the texts it never saw, against the same scorer
without feedback. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from podium.intelligence.sentiment import NEGATIVE_CUTOFF, SentimentScorer

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / ".." / "shared" / "data" / "sentiment-dev"
NEGATIVE_RATING = -0.5


def load(path: Path) -> list[tuple[float, str]]:
    rows: list[tuple[float, str]] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        for line in f:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) >= 3:
                rows.append((float(parts[1]), "\t".join(parts[2:])))
    return rows


def auc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """ROC-AUC of `scores` ranking the True labels high (ties count one half)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(labels)
    neg = len(labels) - pos
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else 0.0


def precision_at_recall(
    labels: Sequence[bool], unhappiness: Sequence[float], floor: float
) -> float:
    """The best precision of a cut-off on `unhappiness` whose recall is at least `floor`."""
    pairs = sorted(zip(unhappiness, labels, strict=True), key=lambda p: -p[0])
    total = sum(labels)
    best, tp, i = 0.0, 0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            tp += pairs[j][1]
            j += 1
        if tp / total >= floor:
            best = max(best, tp / j)
        i = j
    return best


def metrics(rows: Sequence[tuple[float, str]], scores: Sequence[float]) -> dict[str, float]:
    labels = [r <= NEGATIVE_RATING for r, _ in rows]
    flagged = [s < NEGATIVE_CUTOFF for s in scores]
    tp = sum(1 for y, f in zip(labels, flagged, strict=True) if y and f)
    unhappiness = [-s for s in scores]
    return {
        "n": len(rows),
        "negative_share": round(sum(labels) / len(rows), 3),
        "precision": round(tp / max(1, sum(flagged)), 3),
        "recall": round(tp / max(1, sum(labels)), 3),
        "auc": round(auc(labels, unhappiness), 3),
        "precision_at_recall_0.70": round(precision_at_recall(labels, unhappiness, 0.70), 3),
        "pearson_r": round(pearson(list(scores), [r for r, _ in rows]), 3),
    }


def lexicon_count(lexicon: dict[str, float]) -> Callable[[str], float]:
    """The baseline: the lexicon's valences of the words summed, normalised like VADER's."""
    strip = "\"'()[]{}<>*_~|.,;:!?-"

    def score(text: str) -> float:
        total = sum(lexicon.get(w.strip(strip).lower(), 0.0) for w in text.split())
        return total / math.sqrt(total * total + 15.0)

    return score


def timed(fn: Callable[[str], float], texts: Sequence[str]) -> tuple[list[float], float]:
    start = time.perf_counter()
    scores = [fn(t) for t in texts]
    return scores, len(texts) / (time.perf_counter() - start)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", nargs="?", default=str(DEFAULT), help="the sentiment-dev folder")
    args = p.parse_args()
    data = Path(args.data)
    files = sorted(data.glob("*_GroundTruth.txt")) if data.is_dir() else []
    if not files:
        print(
            f"sentiment benchmark: no *_GroundTruth.txt files in {data}; pass the folder of "
            "VADER's ground truth (../shared/data/sentiment-dev from the repository root)",
            file=sys.stderr,
        )
        return 2
    scorer = SentimentScorer()
    baseline = lexicon_count(scorer._lex)
    pooled_rows: list[tuple[float, str]] = []
    pooled: dict[str, list[float]] = {"podium": [], "lexicon_count": []}
    speed: dict[str, list[float]] = {"podium": [], "lexicon_count": []}
    for path in files:
        rows = load(path)
        texts = [t for _, t in rows]
        pooled_rows.extend(rows)
        for name, fn in (("podium", scorer.score), ("lexicon_count", baseline)):
            scores, per_s = timed(fn, texts)
            pooled[name].extend(scores)
            speed[name].append(per_s)
            line = {"bench": "sentiment", "file": path.name, "model": name}
            line |= metrics(rows, scores) | {"texts_per_s": round(per_s)}
            print(json.dumps(line), flush=True)
        print(f"  {path.name}: done", file=sys.stderr)
    for name, scores in pooled.items():
        line = {"bench": "sentiment", "file": "all", "model": name}
        line |= metrics(pooled_rows, scores)
        line |= {"texts_per_s": round(min(speed[name]))}
        print(json.dumps(line), flush=True)
    # Learning from feedback: learn() on the even-numbered texts, score the odd ones.
    for path in files:
        rows = load(path)
        taught, held = rows[0::2], rows[1::2]
        learner = SentimentScorer()
        start = time.perf_counter()
        for rating, text in taught:
            learner.learn(text, negative=rating <= NEGATIVE_RATING)
        learn_per_s = len(taught) / (time.perf_counter() - start)
        before = metrics(held, [scorer.score(t) for _, t in held])
        after = metrics(held, [learner.score(t) for _, t in held])
        line = {"bench": "sentiment-feedback", "file": path.name, "taught": len(taught)}
        line |= {f"before_{k}": v for k, v in before.items() if k != "n"}
        line |= {f"after_{k}": v for k, v in after.items() if k != "n"}
        line |= {"learns_per_s": round(learn_per_s)}
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
