"""Races across 4 processes of 5 threads at the same moment, on every store (issue 16).

- 1,000 `start`s of one workflow id → one workflow, one run, one step execution, and every
  caller gets the same handle and the same result;
- 200 sends of the same state-machine event from 4 processes → exactly one transition;
- 200 publishes of one event id → one event and one subscriber run;
- 200 sends of one message id → delivered once (the workflow's second receive times out).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos import harness, raceapp
from tests.recovery.conftest import Procs, wait_for
from tests.recovery.crashapp import read_lines

PROCESSES = 4
THREADS = 5
MODULE = "tests.chaos.raceapp"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store of each kind: a SQLite file, or a new schema on the shared server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'podium.db'}"
        return
    from tests import pg

    with pg.fresh_schema() as url:
        yield url


@pytest.fixture
def built(store_url: str) -> Iterator[raceapp.RaceApp]:
    """The race app on the test's store, for setting up and inspecting."""
    made = raceapp.build(store_url)
    made.app.store  # noqa: B018 - create the schema before any process starts
    try:
        yield made
    finally:
        made.app.close()


def race(procs: Procs, tmp_path: Path, kind: str, repeat: int) -> list[str]:
    """Run `kind` from PROCESSES processes of THREADS `repeat` times each; what each caller got."""
    log, out, go = tmp_path / "steps.log", tmp_path / f"{kind}.out", tmp_path / f"{kind}.go"
    ready = [tmp_path / f"{kind}.ready{i}" for i in range(PROCESSES)]
    racers = [
        procs.spawn(
            "race",
            kind,
            *("--log", str(log), "--out", str(out), "--go", str(go), "--ready", str(flag)),
            *("--threads", str(THREADS), "--repeat", str(repeat)),
            module=MODULE,
        )
        for flag in ready
    ]
    wait_for(lambda: all(flag.exists() for flag in ready), 60, "the racers to be ready")
    go.touch()
    for proc in racers:
        assert proc.wait(timeout=240) == 0, procs.stderr(proc)[-3000:]
    got = [words[1] for words in read_lines(out) if words[0] == kind]
    assert len(got) == PROCESSES * THREADS * repeat
    return got


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_concurrent_duplicates_take_effect_once(
    built: raceapp.RaceApp, store_url: str, tmp_path: Path
) -> None:
    db = harness.Db(store_url)
    log = str(tmp_path / "steps.log")
    procs = Procs(tmp_path, store_url)
    try:
        procs.spawn("worker", "--concurrency", "4", module=MODULE)
        built.ticket.create("T-1")
        box = built.app.start("box", log, id="box")

        starts = race(procs, tmp_path, "start", repeat=1000 // (PROCESSES * THREADS))
        assert Counter(starts) == {"the-one=the-one": 1000}
        assert db.rows("SELECT runs, status FROM podium_workflows WHERE id = 'the-one'") == [
            (1, "completed")
        ]
        assert db.rows("SELECT COUNT(*) FROM podium_workflows WHERE workflow = 'once'") == [(1,)]

        sends = Counter(race(procs, tmp_path, "send", repeat=10))
        assert sends == {"won:1": 1, "refused": PROCESSES * THREADS * 10 - 1}
        assert [t.seq for t in built.ticket.history("T-1")] == [1]

        events = Counter(race(procs, tmp_path, "publish", repeat=10))
        assert events == {"evt-1": PROCESSES * THREADS * 10}
        subscribers = db.rows("SELECT id FROM podium_workflows WHERE workflow = 'subscriber'")
        assert len(subscribers) == 1
        assert built.app.get(subscribers[0][0]).result(timeout=60) == "subscriber"

        messages = Counter(race(procs, tmp_path, "message", repeat=10))
        assert messages == {"msg-1": PROCESSES * THREADS * 10}
        assert box.result(timeout=60) == [{"n": 1}, None]

        executed = Counter(words[0] for words in read_lines(log))
        assert executed == {"the-one": 1, "subscriber": 1, "received": 1}
    finally:
        procs.close()
