"""Streaming anomaly scores for one time series (prototype)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

_EPOCH_NAIVE = datetime(1970, 1, 1)
DAY = 86400.0


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
        self.prev = 0.0
        self.mean = 0.0
        self.decay = 0.9999
        self.warm = 64
        self.alpha = 0.05
        self.vol_alpha = 0.1
        self.vol_long = 0.005
        self.season_alpha = 0.3
        self.use = (1, 0, 1, 1, 1, 0, 0)
        self.vol = 0.0
        self.attack = 1.0
        self.peak = 0.0
        self.peak_decay = 0.0
        self.last_alert = -10**9
        self.quiet = 0
        self.damp = 0.5
        self.alert = 1.2
        self.vlong = 0.0
        self.m = [0.0] * 7
        self.mad = 0.0
        self.mad_alpha = 0.01
        self.mean2 = 0.0
        self.alpha2 = 0.005
        self.first_t: list[float] = []
        self.slot_width = 0.0
        self.slots: dict[int, float] = {}

    def update(self, timestamp: Any, value: Any) -> float:
        t = _seconds(timestamp)
        x = float(value)
        return self._step(t, x)

    def _step(self, t: float, x: float) -> float:
        n = self.n
        self.n = n + 1
        if n == 0:
            self.mean = x
            self.mean2 = x
            self.prev = x
        if len(self.first_t) < 9:
            self.first_t.append(t)
            if len(self.first_t) == 9:
                gaps = sorted(b - a for a, b in zip(self.first_t, self.first_t[1:]))
                w = max(gaps[4], 60.0)
                self.slot_width = w if DAY / w >= 4 else 0.0
        dif = abs(x - self.prev)
        dev = abs(x - self.mean)
        stats = [dev, dif, 0.0, 0.0, 0.0, 0.0, 0.0]
        stats[5] = dev / self.mad if self.mad > 0 else 0.0
        self.mad += self.mad_alpha * (dev - self.mad)
        dev2 = abs(x - self.mean2)
        stats[6] = dev2
        self.mean2 += self.alpha2 * (x - self.mean2)
        self.vol += self.vol_alpha * (dif - self.vol)
        self.vlong += self.vol_long * (dif - self.vlong)
        stats[2] = self.vol
        stats[3] = self.vlong / (self.vol + 1e-9 * (abs(self.mean) + 1e-9))
        if self.slot_width:
            slot = int((t % DAY) // self.slot_width)
            s = self.slots.get(slot)
            if s is None:
                self.slots[slot] = x
            else:
                stats[4] = abs(x - s)
                self.slots[slot] = s + self.season_alpha * (x - s)
        self.mean += self.alpha * (x - self.mean)
        self.prev = x
        d = self.decay
        r = 0.0
        m = self.m
        for j in range(7):
            mj = m[j] * d
            v = stats[j]
            if self.use[j] and mj > 0 and v / mj > r:
                r = v / mj
            if v > mj:
                mj = v if n < self.warm or mj == 0 else mj + self.attack * (v - mj)
            m[j] = mj
        if n < self.warm:
            return 0.0
        peak = self.peak * self.peak_decay
        out = r / peak if peak > 1.0 else r
        self.peak = peak if peak > r else r
        return out / (1.0 + out)

    def __call__(self, series: Iterable[tuple[Any, Any]]) -> list[float]:
        return [self.update(t, x) for t, x in series]
