"""Analytics over a workflow store's telemetry: anomalies, load forecasts, content scores, routing.

Each model works on its own, on any series or text (that is how it is benchmarked), and is
causal and deterministic, so analytics never change a replay. The models need numpy (the
`podium[ai]` extra) and load lazily: `import podium` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podium.intelligence.anomaly import AnomalyDetector
    from podium.intelligence.forecast import Forecaster
    from podium.intelligence.router import BanditRouter
    from podium.intelligence.sentiment import SentimentScorer

__all__ = ["AnomalyDetector", "BanditRouter", "Forecaster", "SentimentScorer"]

_HOMES = {
    "AnomalyDetector": "podium.intelligence.anomaly",
    "Forecaster": "podium.intelligence.forecast",
    "SentimentScorer": "podium.intelligence.sentiment",
    "BanditRouter": "podium.intelligence.router",
}


def __getattr__(name: str) -> Any:
    """Load a model's module the first time its name is used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'podium.intelligence' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
