"""The models' input checks: timestamps as epoch seconds, values as finite floats.

`seconds` serves every model that takes timestamps (the forecaster, the anomaly detector): a
``datetime`` (naive is read as UTC) or any real number (numpy scalars too; not a bool).
`value` is the forecaster's: any real number (numpy scalars, ``Decimal`` and ``Fraction``
convert; bools, strings and None are refused). `Forecaster.update` takes its fast path for
plain finite floats and calls these for everything else.
"""

from __future__ import annotations

import math
import numbers
from datetime import UTC, datetime

__all__ = ["seconds", "value"]


def seconds(timestamp: object) -> float:
    """Epoch seconds of a datetime (naive: UTC) or a finite real number; TypeError, ValueError."""
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=UTC)
        return timestamp.timestamp()
    if isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Real):
        raise TypeError(
            f"timestamp must be a datetime or epoch seconds (int/float), got "
            f"{type(timestamp).__name__}: {timestamp!r}; convert it before calling update()"
        )
    t = float(timestamp)
    if not math.isfinite(t):
        raise ValueError(f"timestamp must be finite epoch seconds, got {timestamp!r}")
    return t


def value(value: object) -> float:
    """A finite real number as a float (not a bool, string or None); TypeError, ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        # numpy scalars and Decimal/Fraction convert; bools, strings and None do not.
        try:
            if isinstance(value, str | bytes | bool) or value is None:
                raise TypeError
            v = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise TypeError(
                f"value must be a real number, got {type(value).__name__}: {value!r}"
            ) from None
    else:
        v = float(value)
    if not math.isfinite(v):
        raise ValueError(
            f"value must be finite, got {value!r}; drop the point or pass a measured number "
            "(a missing point is fine: just skip its timestamp)"
        )
    return v
