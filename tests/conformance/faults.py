"""Store faults under the conformance suite: inject them into Apps' stores, check after.

`Injector(rate, request)` makes stores (`store(url)`) whose engine calls fail at `rate` with
podium.testing's transient `InjectedStoreFault` (before a statement, or between two statements
of a transaction, which then rolls back whole). The seed is `--store-faults-seed` or a fresh
random one, printed with the test's output. After the test, `check()` reads every database
an injected store used and fails on a record a fault left half-written:

- a workflow's history positions are 0, 1, 2, ... with no gap (a lost append in between);
- an ended workflow holds no lease and is not claimable, a running one has an owner;
- a completed workflow has its output.

The tests' own assertions check the rest (outputs, one record per position, exactly once).
"""

from __future__ import annotations

import os
import zlib
from collections import defaultdict

import pytest

from podium.store import base, factory
from podium.testing import faultystore


class Injector:
    """The faulty stores of one test, and the check of their databases afterwards."""

    def __init__(self, rate: float, request: pytest.FixtureRequest) -> None:
        self.rate = rate
        chosen = request.config.getoption("--store-faults-seed")
        base_seed = int.from_bytes(os.urandom(4), "big") if chosen is None else int(chosen)
        self.seed = base_seed ^ zlib.crc32(request.node.nodeid.encode())
        self.faults: list[faultystore.Faults] = []
        self.urls: list[str] = []

    def store(self, url: str) -> base.Store:
        """A store on `url` whose engine calls fail at this injector's rate."""
        faults = faultystore.Faults()
        faults.set(self.rate, self.seed + len(self.faults))
        self.faults.append(faults)
        self.urls.append(url)
        print(f"store faults: rate={self.rate} seed={self.seed + len(self.faults) - 1} on {url}")
        return faultystore.FaultyStore(factory.open_store(url), faults)

    @property
    def injected(self) -> int:
        """How many faults were injected in this test."""
        return sum(faults.injected for faults in self.faults)

    def check(self) -> None:
        """Fail on a half-written record in any database this test's faulty stores used."""
        if not self.urls:
            return
        print(f"store faults injected: {self.injected}")
        problems: list[str] = []
        for url in dict.fromkeys(self.urls):
            store = factory.open_store(url)
            try:
                problems += check_store(store)
            finally:
                store.close()
        assert not problems, f"after {self.injected} injected store faults: {problems[:10]}"


def check_store(store: base.Store) -> list[str]:
    """What is half-written in `store`'s database (see the module docstring); [] if nothing."""
    run = store.connector.query
    problems: list[str] = []
    positions: dict[str, list[int]] = defaultdict(list)
    for row in run("SELECT workflow_id, seq FROM podium_history ORDER BY workflow_id, seq", {}):
        positions[str(row["workflow_id"])].append(int(row["seq"]))
    for wf_id, seqs in positions.items():
        if seqs != list(range(len(seqs))):
            problems.append(f"{wf_id}: history positions {seqs} have a gap")
    rows = run("SELECT id, status, lease_owner, claimable_at, output FROM podium_workflows", {})
    for row in rows:
        wf_id, status = row["id"], row["status"]
        ended = status in ("completed", "failed", "cancelled")
        if ended and (row["lease_owner"] is not None or row["claimable_at"] is not None):
            problems.append(f"{wf_id}: {status} but still leased or claimable")
        if status == "running" and row["lease_owner"] is None:
            problems.append(f"{wf_id}: running without an owner")
        if status == "completed" and row["output"] is None:
            problems.append(f"{wf_id}: completed without an output")
    return problems
