"""The conformance subset that always runs under injected store faults (issue 16).

Each module here re-collects a conformance module's tests (those that run workers, whose
store calls the faults hit) with `store_faults` at `RATE` (or `--store-faults`, if higher):
every workflow must still complete with the right result, and `faults.check_store` finds no
half-written record afterwards. `--store-faults-seed N` replays a run.
"""

import pytest

RATE = 0.005


@pytest.fixture
def store_faults(request: pytest.FixtureRequest) -> float:
    """At least `RATE` of the engine's store calls fail."""
    return max(RATE, float(request.config.getoption("--store-faults") or 0.0))
