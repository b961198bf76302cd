"""Retry and Catch around the work of Task, Parallel and Map states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from podium import errors as podium_errors
from podium.asl import dataflow, errors
from podium.asl.interpreter import Frame

DEFAULT_INTERVAL = 1.0
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF = 2.0


def guarded(frame: Frame, once: Callable[[Frame], Any]) -> tuple[Any, str | None]:
    """Run `once(frame)`, retrying per Retry and diverting per Catch on failure."""
    retriers = frame.state.get("Retry", [])
    counts = [0] * len(retriers)
    while True:
        try:
            output = once(frame)
        except (podium_errors.NonDeterminismError, podium_errors.ConfigurationError):
            raise
        except Exception as exc:
            error, cause = errors.from_exception(exc)
        else:
            return output, None if frame.state.get("End") else frame.state.get("Next")
        delay = backoff(frame, retriers, counts, error)
        if delay is not None:
            if delay > 0:
                frame.effects.sleep(delay)
            state = dict(frame.context["State"])
            state["RetryCount"] = state.get("RetryCount", 0) + 1
            frame.context = {**frame.context, "State": state}
            continue
        for catcher in frame.state.get("Catch", []):
            if errors.matches(catcher.get("ErrorEquals", []), error):
                return dataflow.caught(frame, catcher, error, cause), catcher["Next"]
        raise errors.failure(error, cause)


def backoff(frame: Frame, retriers: list[Any], counts: list[int], error: str) -> float | None:
    """Seconds to wait before the next attempt, or None when no retrier allows one."""
    for index, retrier in enumerate(retriers):
        if not errors.matches(retrier.get("ErrorEquals", []), error):
            continue
        if counts[index] >= retrier.get("MaxAttempts", DEFAULT_ATTEMPTS):
            return None
        interval = retrier.get("IntervalSeconds", DEFAULT_INTERVAL)
        rate = retrier.get("BackoffRate", DEFAULT_BACKOFF)
        delay = float(interval) * float(rate) ** counts[index]
        if "MaxDelaySeconds" in retrier:
            delay = min(delay, float(retrier["MaxDelaySeconds"]))
        if retrier.get("JitterStrategy") == "FULL":
            delay *= frame.effects.random()
        counts[index] += 1
        return delay
    return None
