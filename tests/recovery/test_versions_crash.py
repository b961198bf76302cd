"""Continue-as-new survives SIGKILL: every round runs, none is lost or run from scratch twice."""

from __future__ import annotations

import collections

import pytest

from podium.patterns import versions
from tests.recovery import crashapp, versionsapp
from tests.recovery.conftest import LEASE, Procs, wait_for


@pytest.mark.slow
def test_continue_as_new_loop_survives_sigkill(procs: Procs, database_url: str, log: str):
    app, rounds = versionsapp.build(database_url, lease_seconds=LEASE)
    try:
        handle = app.start(rounds, log, 0, 0, id="rounds")
        module = "tests.recovery.versionsapp"
        first = procs.spawn("serve", module=module)
        wait_for(lambda: len(crashapp.read_lines(log)) >= 8, 30, "eight rounds")
        procs.kill9(first)
        second = procs.spawn("serve", module=module)
        assert handle.result(timeout=60) == sum(range(versionsapp.LAST + 1))
        assert procs.stop(second) == 0

        ticks = collections.Counter(int(words[0]) for words in crashapp.read_lines(log))
        assert sorted(ticks) == list(range(versionsapp.LAST + 1))  # no round was lost
        assert sum(ticks.values()) <= versionsapp.LAST + 2  # at most the one in flight twice
        assert versions.generations(app.runtime, "rounds") == versionsapp.LAST
        for generation in range(1, versionsapp.LAST + 1):
            kept = versions.archived_history(app.runtime, "rounds", generation)
            assert [(e.kind, e.name) for e in kept] == [
                ("step", "tick"),
                ("continue_as_new", "continue_as_new"),
            ]
        assert [(e.kind, e.name) for e in app.store.load_history("rounds")] == [("step", "tick")]
    finally:
        app.close()
