"""A store whose engine calls fail now and then: transient store faults on demand.

`FaultyStore` runs the core store verbs and every feature store over a `FaultyConnector`,
which raises `InjectedStoreFault` before some statements (so none lands half-done; one
inside a transaction rolls the whole transaction back), chosen by a seeded random generator.
Only the engine's calls fail (those of podium's threads and of the runs a TestEnv
executes), not the test's own `start` or `result`.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from podium.store import base, wrapped


class InjectedStoreFault(Exception):
    """A transient store error injected by `TestEnv.fail_store` (like a dropped connection)."""


class Faults:
    """When to fail: at `rate` (0..1) of the engine's store calls, seeded."""

    def __init__(self) -> None:
        self.rate = 0.0
        self.injected = 0
        self._random = random.Random(0)
        self._lock = threading.Lock()
        self._local = threading.local()

    def set(self, rate: float, seed: int | None) -> None:
        """Fail `rate` of calls from now on, drawn from a generator seeded with `seed`."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate={rate!r} must be between 0 and 1")
        with self._lock:
            self.rate = rate
            self._random = random.Random(seed)

    @contextlib.contextmanager
    def engine(self) -> Iterator[None]:
        """Calls made in this block count as the engine's (a TestEnv's own runs)."""
        before = getattr(self._local, "engine", False)
        self._local.engine = True
        try:
            yield
        finally:
            self._local.engine = before

    def maybe_fail(self, what: str) -> None:
        """Raise InjectedStoreFault for some engine calls."""
        if self.rate <= 0.0:
            return
        if not (
            getattr(self._local, "engine", False)
            or threading.current_thread().name.startswith("podium")
        ):
            return
        with self._lock:
            fail = self._random.random() < self.rate
            if fail:
                self.injected += 1
        if fail:
            raise InjectedStoreFault(f"injected transient store fault in {what}")


class FaultyConnector(wrapped.WrappedConnector):
    """A `base.Connector` that may fail each statement before running it."""

    def __init__(self, inner: base.Connector, faults: Faults) -> None:
        super().__init__(inner)
        self._faults = faults

    def execute(
        self, sql: str, params: Mapping[str, Any], *, idempotent: bool = False
    ) -> base.Result:
        """See `base.Connector.execute`."""
        self._faults.maybe_fail("a write")
        return self._inner.execute(sql, params, idempotent=idempotent)

    def query(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """See `base.Connector.query`."""
        self._faults.maybe_fail("a read")
        return self._inner.query(sql, params)

    def transaction(self) -> AbstractContextManager[base.Execute]:
        """See `base.Connector.transaction`; a fault may also cut it between statements."""
        self._faults.maybe_fail("a transaction")
        return self._faulty_transaction()

    @contextlib.contextmanager
    def _faulty_transaction(self) -> Iterator[base.Execute]:
        """The inner transaction, each statement of which may fail (it then rolls back whole)."""
        with self._inner.transaction() as run:

            def faulty(sql: str, params: Mapping[str, Any]) -> base.Result:
                self._faults.maybe_fail("a statement of a transaction")
                return run(sql, params)

            yield faulty


class FaultyStore(wrapped.WrappedStore):
    """The store verbs of `inner`'s database, run over a `FaultyConnector`."""

    def __init__(self, inner: base.Store, faults: Faults) -> None:
        super().__init__(inner, FaultyConnector(inner.connector, faults))
