"""Checks of the arguments users pass to App verbs; each error names the argument and the fix."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from typing import Any

from podium import errors, serialization
from podium.patterns import retry

MAX_ID_LENGTH = 200

PRIORITY_RANGE = (-(2**31), 2**31 - 1)
"""Priorities both stores hold (PostgreSQL's `integer`)."""


@dataclasses.dataclass(frozen=True, init=False)
class StartOptions:
    """The options of `app.start`/`app.run` besides the workflow's own arguments."""

    id: str | None
    queue: str | None
    priority: int
    delay: float | dt.timedelta | None
    key: str | None
    timeout: float | None

    def __init__(
        self,
        id: str | None,
        queue: str | None,
        priority: int,
        delay: float | dt.timedelta | None,
        key: str | None,
        timeout: float | None,
    ) -> None:
        # Stores into the instance dict: a frozen dataclass's generated __init__ calls
        # object.__setattr__ per field, several times the cost; every start makes one.
        fields = self.__dict__
        fields["id"] = id
        fields["queue"] = queue
        fields["priority"] = priority
        fields["delay"] = delay
        fields["key"] = key
        fields["timeout"] = timeout


def check_callable(fn: Any, decorator: str) -> None:
    """A decorator was given something that is not a function."""
    if not callable(fn):
        raise errors.ConfigurationError(f"{decorator} decorates functions, not {fn!r}")


def check_id(value: Any) -> str:
    """A workflow id: a non-empty string of bounded length."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH:
        raise errors.ConfigurationError(
            f"workflow id {value!r} must be a non-empty string of at most {MAX_ID_LENGTH} chars"
        )
    return check_text(value, "workflow id")


def check_text(value: str, what: str) -> str:
    """A string both stores keep as is: no NUL character, no lone surrogate."""
    problem = serialization.text_problem(value)
    if problem is not None:
        raise errors.ConfigurationError(f"{what} {value!r} {problem}")
    return value


def check_key(value: Any, what: str = "key") -> str | None:
    """An optional key (idempotency, debounce): None or a non-empty clean string."""
    return None if value is None else check_name(value, what)


def check_name(value: Any, what: str) -> str:
    """A name (queue, ...): a non-empty string."""
    if not isinstance(value, str) or not value:
        raise errors.ConfigurationError(f"{what}={value!r} must be a non-empty string")
    return check_text(value, what)


def check_int(value: Any, what: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (not a bool), at least `minimum` and at most `maximum` when given."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.ConfigurationError(f"{what}={value!r} must be an integer")
    if minimum is not None and value < minimum:
        raise errors.ConfigurationError(f"{what}={value!r} must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise errors.ConfigurationError(f"{what}={value!r} must be <= {maximum}")
    return value


def check_priority(value: Any, what: str = "priority") -> int:
    """A priority: an integer both stores hold (a 32-bit signed integer)."""
    low, high = PRIORITY_RANGE
    return check_int(value, what, low, high)


def seconds(value: float | dt.timedelta | None, what: str) -> float:
    """Seconds >= 0 from a number or a timedelta (None: 0)."""
    if value is None:
        return 0.0
    if isinstance(value, dt.timedelta):
        value = value.total_seconds()
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise errors.ConfigurationError(
            f"{what}={value!r} must be a finite number of seconds >= 0 or a timedelta"
        )
    return float(value)


def positive(value: float, what: str) -> float:
    """Seconds > 0."""
    amount = seconds(value, what)
    if amount <= 0:
        raise errors.ConfigurationError(f"{what}={value!r} must be more than 0 seconds")
    return amount


def check_retry(value: Any, what: str = "retry") -> retry.RetryPolicy | None:
    """A retry policy option: a podium.RetryPolicy or None."""
    if value is not None and not isinstance(value, retry.RetryPolicy):
        raise errors.ConfigurationError(
            f"{what}={value!r} must be a podium.RetryPolicy(...) (or None)"
        )
    return value


def check_timeout(value: Any, what: str = "timeout") -> float | None:
    """A timeout option: a positive number of seconds or None."""
    if value is not None and (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise errors.ConfigurationError(
            f"{what}={value!r} must be a positive finite number of seconds (or None)"
        )
    return value


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")


def duration_text(text: str, what: str = "age") -> float:
    """Seconds from `30d`, `12h`, `90m`, `45s`, `2w` or a plain number of seconds."""
    found = _DURATION.match(text) if isinstance(text, str) else None
    if found is None:
        raise errors.ConfigurationError(
            f"{what} {text!r} is not a duration; write e.g. 30d, 12h, 90m, 45s or 2w"
        )
    return float(found.group(1)) * _UNITS[found.group(2) or "s"]


def check_retention(value: Any, what: str = "retention") -> float | None:
    """A `retention=` option: seconds > 0 from a timedelta, a number or text like "7d"; or None."""
    if value is None:
        return None
    amount = None
    if isinstance(value, str):
        found = _DURATION.match(value)
        amount = None if found is None else float(found.group(1)) * _UNITS[found.group(2) or "s"]
    else:
        if isinstance(value, dt.timedelta):
            amount = value.total_seconds()
        elif isinstance(value, int | float) and not isinstance(value, bool):
            amount = float(value)
    if amount is None or not math.isfinite(amount) or amount <= 0:
        raise errors.ConfigurationError(
            f"{what}={value!r} must be an age over 0: a timedelta (timedelta(days=7)), text such "
            'as "7d", "12h", "90m" or "2w", or a number of seconds (or None to keep runs)'
        )
    return amount
