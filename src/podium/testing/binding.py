"""Point an App at a test store and clock for a while, and back.

The App opens its store and builds its engine (`runtime`) on first use from `_store` and
`_clock`; a binding swaps those (and the engine already built, if any) and restores them.
"""

from __future__ import annotations

from typing import Any

from podium import app as app_mod
from podium import clock as clock_mod
from podium.store import base

_SWAPPED = ("_store", "_clock", "_runtime", "_inline_owner", "_workers")


class Binding:
    """`app` bound to `store` and `clock` until `restore()`."""

    def __init__(self, app: app_mod.App, store: base.Store, clock: clock_mod.Clock) -> None:
        self.app = app
        with app._lock:
            self._saved: dict[str, Any] = {name: getattr(app, name) for name in _SWAPPED}
            app._store = store
            app._clock = clock
            app._runtime = None
            app._inline_owner = None
            app._workers = []

    def restore(self) -> None:
        """Close the test engine (its workers and store) and give the app back what it had."""
        self.app.close()
        with self.app._lock:
            for name, value in self._saved.items():
                setattr(self.app, name, value)
