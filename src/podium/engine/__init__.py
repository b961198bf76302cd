"""The engine: replay executor, workers, leases; it knows only `podium.store.base`."""
