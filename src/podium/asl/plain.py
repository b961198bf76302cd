"""Nondeterminism taken plainly, nothing recorded: fresh UUIDs and random numbers, the wall clock.

The base of `effects.LocalEffects`, and what JSONata's `$now`, `$random` and `$uuid` read when
an evaluation is given no effects. It sits below both so that neither imports the other.
"""

from __future__ import annotations

import datetime as dt
import random as _random
import time as _time
import uuid as _uuid


class PlainEffects:
    """The nondeterministic effects of an interpreter, run directly in this process."""

    def uuid4(self) -> str:
        """A fresh UUID."""
        return str(_uuid.uuid4())

    def random(self) -> float:
        """A fresh random float."""
        return _random.random()

    def now(self) -> dt.datetime:
        """The wall clock."""
        return dt.datetime.now(dt.UTC)

    def sleep(self, seconds: float) -> None:
        """A plain sleep."""
        _time.sleep(max(0.0, seconds))
