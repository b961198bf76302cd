"""What every distributed test verifies in the store and the side log after a run."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict

from podium import serialization
from tests.distributed import distapp
from tests.distributed.conftest import Db, wait_for
from tests.recovery import crashapp


def start_chains(
    dist: distapp.DistApp, log: str, count: int, steps: int, pause: float
) -> list[str]:
    """Start `count` chain workflows of `steps` steps; their ids."""
    ids = [f"chain-{i:05d}" for i in range(count)]
    for wf_id in ids:
        dist.app.start(dist.chain, log, wf_id, steps, pause, id=wf_id)
    return ids


class Feeder:
    """Starts chain workflows from a background thread at a steady rate below capacity.

    A steady arrival rate keeps the workers from drowning in a backlog, so a workflow whose
    lease lapses is picked up as soon as it is claimable, not after every older ready one.
    """

    def __init__(
        self, dist: distapp.DistApp, log: str, ids: list[str], steps: int, pause: float, rate: float
    ) -> None:
        self.error: BaseException | None = None
        self._args = (dist, log, ids, steps, pause, rate)
        self._thread = threading.Thread(target=self._feed, name="feeder", daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        dist, log, ids, steps, pause, rate = self._args
        begin = time.monotonic()
        try:
            for i, wf_id in enumerate(ids):
                time.sleep(max(0.0, begin + i / rate - time.monotonic()))
                dist.app.start(dist.chain, log, wf_id, steps, pause, id=wf_id)
        except BaseException as exc:
            self.error = exc

    def feeding(self) -> bool:
        """Whether workflows are still being started."""
        return self._thread.is_alive()

    def join(self) -> None:
        """Wait for the last start; re-raise what went wrong in the thread."""
        self._thread.join()
        if self.error is not None:
            raise self.error


def wait_all_finished(db: Db, count: int, timeout: float) -> None:
    """Wait until `count` workflows have ended."""
    wait_for(lambda: db.finished() >= count, timeout, f"{count} workflows to end", 0.1)


def check_results(db: Db, ids: list[str], steps: int) -> None:
    """Every workflow completed, with the result its steps fold to."""
    rows = db.rows("SELECT id, status, output FROM podium_workflows ORDER BY id")
    assert [(wf_id, status) for wf_id, status, _ in rows] == [(i, "completed") for i in ids]
    for wf_id, _, output in rows:
        expected = {"id": wf_id, "total": crashapp.chain_total(wf_id, steps)}
        assert serialization.loads(output) == expected


def check_history(db: Db, ids: list[str], steps: int) -> None:
    """Exactly one completed step row at each position 0..steps-1 of every workflow."""
    rows = db.rows(
        "SELECT workflow_id, seq, kind, status, COUNT(*) FROM podium_history "
        "GROUP BY workflow_id, seq, kind, status ORDER BY workflow_id, seq"
    )
    expected = [(wf_id, n, "step", "completed", 1) for wf_id in ids for n in range(steps)]
    assert rows == expected
    assert db.value("SELECT COUNT(*) FROM podium_history") == len(ids) * steps


def committed_by_pid(db: Db) -> Counter[int]:
    """How many history positions each worker pid committed (from the steps' results)."""
    payloads = db.rows("SELECT payload FROM podium_history WHERE kind = 'step'")
    return Counter(int(serialization.loads(payload)[0]) for (payload,) in payloads)


def runs_by_pair(log: str) -> dict[tuple[str, int], list[int]]:
    """(workflow id, step) -> the pids that executed it, in log order."""
    runs: dict[tuple[str, int], list[int]] = defaultdict(list)
    for wf_id, step, pid in crashapp.read_lines(log):
        runs[(wf_id, int(step))].append(int(pid))
    return runs


def check_executed(log: str, ids: list[str], steps: int) -> dict[tuple[str, int], list[int]]:
    """Every step executed at least once (steps are at-least-once); the runs by pair."""
    runs = runs_by_pair(log)
    assert set(runs) == {(wf_id, n) for wf_id in ids for n in range(steps)}
    return runs
