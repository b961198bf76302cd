"""A connector that wraps another, and a store run over such a connector of a real store.

`podium.store.coded` (payloads through a codec chain) and `podium.testing.faultystore`
(faults on demand) both change what passes through the connector; the rest (the dialect,
arrays, notifications and closing) goes straight to the real connector or store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from podium.store import base, workflows


class WrappedConnector:
    """The part of a `base.Connector` that a wrapper of `inner` passes through unchanged."""

    def __init__(self, inner: base.Connector) -> None:
        self._inner = inner

    @property
    def dialect(self) -> str:
        """See `base.Connector.dialect`."""
        return self._inner.dialect

    def array(self, values: Sequence[str]) -> object:
        """See `base.Connector.array`."""
        return self._inner.array(values)


class WrappedStore(workflows.WorkflowStore):
    """The store verbs of `inner`'s database, run over `connector` (a wrapper of its own)."""

    def __init__(self, inner: base.Store, connector: base.Connector) -> None:
        super().__init__(connector)
        self.inner = inner

    def subscribe(self, listener: base.Listener) -> Callable[[], None]:
        """See `Store.subscribe`."""
        return self.inner.subscribe(listener)

    def close(self) -> None:
        """Close the real store."""
        self.inner.close()
