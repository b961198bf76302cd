"""Streaming anomaly scores for one time series (prototype)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

_EPOCH_NAIVE = datetime(1970, 1, 1)


def _seconds(timestamp: Any) -> float:
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            return (timestamp - _EPOCH_NAIVE).total_seconds()
        return timestamp.timestamp()
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        raise TypeError(
            f"timestamp must be a datetime or epoch seconds (int or float), "
            f"not {type(timestamp).__name__}"
        )
    t = float(timestamp)
    if not math.isfinite(t):
        raise ValueError(f"timestamp must be finite, got {timestamp!r}")
    return t


class AnomalyDetector:
    """Prototype."""

    def __init__(self) -> None:
        self.n = 0
        self.last_t = -math.inf
        self.prev = 0.0
        self.mean = 0.0
        self.decay = 0.999
        self.m_level = 0.0
        self.m_diff = 0.0
        self.warm = 64
        self.alpha = 0.02

    def update(self, timestamp: Any, value: Any) -> float:
        t = _seconds(timestamp)
        x = float(value)
        return self._step(t, x)

    def _step(self, t: float, x: float) -> float:
        n = self.n
        self.n = n + 1
        if n == 0:
            self.mean = x
            self.prev = x
            return 0.0
        dev = abs(x - self.mean)
        dif = abs(x - self.prev)
        self.mean += self.alpha * (x - self.mean)
        self.prev = x
        d = self.decay
        ml = self.m_level * d
        md = self.m_diff * d
        r = max(dev / ml if ml > 0 else 0.0, dif / md if md > 0 else 0.0)
        self.m_level = max(ml, dev)
        self.m_diff = max(md, dif)
        if n < self.warm:
            return 0.0
        return r / (1.0 + r)

    def __call__(self, series: Iterable[tuple[Any, Any]]) -> list[float]:
        return [self.update(t, x) for t, x in series]
