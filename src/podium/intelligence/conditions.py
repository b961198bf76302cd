"""Ready-made conditions for remediation rules, read from the store's telemetry.

A condition is a callable given the rule's signals snapshot that returns something true
(here: a sentence, which the audit log records as the condition) or something false:

    from podium.intelligence import actions, conditions
    app.telemetry()
    app.remediate(
        "charge-failing",
        when=conditions.FailureRate("charge", above=0.2, over=300, min_count=20),
        do=actions.open_breaker("payments"),
    )

Conditions are plain values (this module stays a leaf of the analytics layer): they ask the
snapshot (`podium.patterns.remediation.Signals`) for the counts they need.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Protocol

from podium import errors

__all__ = ["FailureRate"]

KINDS = ("step", "workflow")


class TelemetrySignals(Protocol):
    """What a telemetry condition needs of the signals snapshot."""

    def failures(self, series: str, over: float) -> tuple[int, int]:
        """(failed, ended) of `series` in the minutes overlapping the last `over` seconds."""
        ...


@dataclasses.dataclass(frozen=True)
class FailureRate:
    """Holds when more than `above` of a step's (or workflow's) ends failed lately.

    `series` is a step name (`"charge"`, the same as `"step:charge"`) or `"workflow:NAME"`.
    The share is failed / (completed + failed) attempts of the step (runs of the workflow) in
    the telemetry minutes that overlap the last `over` seconds; with fewer than `min_count`
    ends it does not hold (a single failure is not a failure rate). Needs `app.telemetry()`;
    counts reach the store at each process's flush, so the condition lags by up to one
    flush interval.
    """

    series: str
    above: float
    over: float = 300.0
    min_count: int = 10

    def __post_init__(self) -> None:
        if not isinstance(self.series, str) or not self.series.rpartition(":")[2]:
            raise errors.ConfigurationError(
                f"FailureRate series={self.series!r} must be a step name or 'workflow:NAME'"
            )
        kind, sep, _ = self.series.partition(":")
        if sep and kind not in KINDS:
            raise errors.ConfigurationError(
                f"FailureRate series={self.series!r}: the kind must be one of {list(KINDS)}"
            )
        if not _number(self.above) or not 0.0 <= self.above < 1.0:
            raise errors.ConfigurationError(
                f"FailureRate above={self.above!r} must be a share in [0, 1), e.g. 0.2"
            )
        if not _number(self.over) or self.over <= 0:
            raise errors.ConfigurationError(
                f"FailureRate over={self.over!r} must be seconds > 0, e.g. 300"
            )
        count = self.min_count
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise errors.ConfigurationError(f"FailureRate min_count={count!r} must be an int >= 1")

    @property
    def key(self) -> str:
        """The telemetry series read: `step:NAME` or `workflow:NAME`."""
        return self.series if ":" in self.series else "step:" + self.series

    def __call__(self, signals: TelemetrySignals) -> str:
        """A sentence when the rate is above the threshold, else "" (the rule does not fire)."""
        failed, ended = signals.failures(self.key, self.over)
        if ended < self.min_count or failed / ended <= self.above:
            return ""
        kind, _, name = self.key.partition(":")
        what = "attempts" if kind == "step" else "runs"
        return (
            f"{kind} {name}: {failed} of {ended} {what} failed ({failed / ended:.0%}) "
            f"in the last {_span(self.over)}, above {self.above:.0%}"
        )

    def describe(self) -> str:
        """The condition in words (for listings)."""
        return (
            f"failure rate of {self.key} over {_span(self.over)} above {self.above:.0%} "
            f"(at least {self.min_count} ends)"
        )


def _number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _span(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
