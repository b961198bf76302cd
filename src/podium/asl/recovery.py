"""Retry and Catch around the work of Task, Parallel and Map states.

When the work fails, the Retriers are scanned in order and the first whose ErrorEquals covers
the error decides: it retries while it has attempts left (each Retrier counts its own), and
once it is used up the error goes to the Catchers, without trying later Retriers. The first
matching Catcher names the next state and receives the error output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from podium import errors as podium_errors
from podium.asl import dataflow, errors
from podium.asl.frame import Frame, Outcome

DEFAULT_INTERVAL = 1
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF = 2.0


def guarded(frame: Frame, once: Callable[[Frame], Any]) -> Outcome:
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
            return output, frame.following
        index = matching(retriers, error)
        if index is None or counts[index] >= max_attempts(retriers[index]):
            return caught(frame, error, cause)
        wait = delay(retriers[index], counts[index])
        if retriers[index].get("JitterStrategy") == "FULL":
            wait *= frame.effects.random()
        counts[index] += 1
        if wait > 0:
            frame.effects.sleep(wait)
        _count_retry(frame)


def caught(frame: Frame, error: str | None, cause: str) -> Outcome:
    """The output and next state of the first Catcher covering `error`; else raise it."""
    catchers = frame.state.get("Catch", [])
    index = matching(catchers, error)
    if index is None:
        raise errors.failure(error, cause)
    catcher = catchers[index]
    return dataflow.caught(frame, catcher, error, cause), catcher["Next"]


def matching(handlers: Sequence[Mapping[str, Any]], error: str | None) -> int | None:
    """The index of the first Retrier or Catcher whose ErrorEquals covers `error`."""
    for index, handler in enumerate(handlers):
        if errors.matches(handler.get("ErrorEquals", []), error):
            return index
    return None


def max_attempts(retrier: Mapping[str, Any]) -> int:
    """How many retries a Retrier allows (MaxAttempts, 3 by default; 0 never retries)."""
    return int(retrier.get("MaxAttempts", DEFAULT_ATTEMPTS))


def delay(retrier: Mapping[str, Any], retries: int) -> float:
    """Seconds before the retry that follows `retries` earlier ones, before any jitter.

    IntervalSeconds x BackoffRate^retries, capped at MaxDelaySeconds when it is given.
    """
    interval = float(retrier.get("IntervalSeconds", DEFAULT_INTERVAL))
    wait = interval * float(retrier.get("BackoffRate", DEFAULT_BACKOFF)) ** retries
    if "MaxDelaySeconds" in retrier:
        wait = min(wait, float(retrier["MaxDelaySeconds"]))
    return wait


def _count_retry(frame: Frame) -> None:
    """Bump `$$.State.RetryCount`, which counts the retries of this state so far."""
    state = dict(frame.context["State"])
    state["RetryCount"] = state.get("RetryCount", 0) + 1
    frame.context = {**frame.context, "State": state}
