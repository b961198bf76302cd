"""Retry with exponential backoff: a frozen policy whose decisions are pure functions."""

from __future__ import annotations

import dataclasses
import math
import random as _random
import types
from collections.abc import Callable

from podium import errors


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing step is tried again.

    Attempt `n` (1-based) that fails waits `initial_delay * backoff ** (n - 1)` seconds, capped
    at `max_delay`, before attempt `n + 1`; `jitter` spreads that wait uniformly over
    [50%, 100%] so a fleet of retries does not arrive in lockstep. Exceptions that are instances
    of `non_retryable` fail at once. The wait is durable: a long one unloads the workflow.
    An exception's `retry_after` (seconds) is a minimum wait. A refusal (`StepRefused`, e.g.
    `CircuitOpenError`: the step's breaker refused the call, the step did not run) is retried
    after its `retry_after` whatever the attempt, unless the policy allows one attempt only
    or lists it in `non_retryable`; the engine does not count refusals as attempts.
    """

    max_attempts: int = 3
    initial_delay: float = 1.0
    backoff: float = 2.0
    max_delay: float = 60.0
    jitter: bool = True
    non_retryable: tuple[type[BaseException], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.non_retryable, type):
            object.__setattr__(self, "non_retryable", (self.non_retryable,))
        problems = []
        if not _is_number(self.max_attempts, int) or self.max_attempts < 1:
            problems.append(f"max_attempts={self.max_attempts!r} must be an int >= 1")
        for name, minimum in (("initial_delay", 0), ("backoff", 1), ("max_delay", 0)):
            value = getattr(self, name)
            if not _is_number(value, int | float) or not value >= minimum:
                problems.append(f"{name}={value!r} must be a finite number >= {minimum}")
        if not all(
            isinstance(t, type) and issubclass(t, BaseException) for t in self.non_retryable
        ):
            problems.append("non_retryable must be a tuple of exception classes")
        if problems:
            raise errors.ConfigurationError("invalid RetryPolicy: " + "; ".join(problems))

    def should_retry(self, attempt: int, exc: BaseException) -> bool:
        """Whether a failure of 1-based `attempt` with `exc` earns another attempt."""
        if isinstance(exc, self.non_retryable):
            return False
        if isinstance(exc, errors.StepRefused):
            return self.max_attempts > 1
        return attempt < self.max_attempts

    def delay_for(
        self,
        attempt: int,
        exc: BaseException | None = None,
        *,
        rand: Callable[[], float] = _random.random,
    ) -> float:
        """Seconds to wait after failed 1-based `attempt` before the next one."""
        try:
            grown = self.initial_delay * self.backoff ** (attempt - 1)
        except OverflowError:
            grown = math.inf
        delay = min(self.max_delay, grown)
        if self.jitter:
            delay *= 0.5 + 0.5 * rand()
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after > delay:
            delay = float(retry_after)
        return delay


def _is_number(value: object, kind: type | types.UnionType) -> bool:
    """A finite int/float of `kind`; bools and NaN/infinity do not count."""
    if isinstance(value, bool) or not isinstance(value, kind):
        return False
    return math.isfinite(value)  # type: ignore[arg-type]


NO_RETRY = RetryPolicy(max_attempts=1, initial_delay=0.0, jitter=False)
"""The default: a step runs once unless it opts into retries."""
