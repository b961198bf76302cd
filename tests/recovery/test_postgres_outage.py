"""After a PostgreSQL outage, work resumes within about a second (issue 16 defect 4).

A throwaway cluster (tests/pgcluster.py, never the shared server) is stopped as a crash
would (`pg_ctl stop -m immediate`) while the store is in use, and started again some
seconds later; psycopg_pool's default backoff (1, 2, 4, 8 s...) and a LISTEN reconnect
backoff that grew to 5 s would each leave the store idle for seconds after the return.
"""

from __future__ import annotations

import threading
import time

import pytest

from podium.store import base, postgres
from tests import pgcluster

OUTAGE = 8.0
"""Long enough for the old backoffs to grow past several seconds."""
RESUMED_WITHIN = 1.5


class Heard:
    """A store listener that records when it was told to look for work."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.lock = threading.Lock()

    def work_available(self) -> None:
        with self.lock:
            self.times.append(time.monotonic())

    def run_ended(self, workflow_id: str) -> None:
        pass

    def since(self, moment: float) -> float | None:
        with self.lock:
            later = [t for t in self.times if t >= moment]
        return later[0] - moment if later else None


@pytest.mark.slow
def test_the_pool_and_the_listener_are_back_within_a_second_of_the_database() -> None:
    with pgcluster.throwaway() as cluster:
        store = postgres.PostgresStore(cluster.url)
        try:
            heard = Heard()
            store.subscribe(heard)
            store.create_workflow(base.NewWorkflow(id="before", workflow="w", input="[]"), 0.0)
            cluster.stop()
            in_flight: list[float] = []

            def write() -> None:  # an idempotent call (a renewal, a read) waits out the outage
                store.get_workflow("before")
                in_flight.append(time.monotonic())

            writer = threading.Thread(target=write, daemon=True)
            writer.start()
            time.sleep(OUTAGE)
            cluster.start()
            back = time.monotonic()
            writer.join(timeout=60)
            assert in_flight, "the call made during the outage failed"
            assert in_flight[0] - back < RESUMED_WITHIN

            new = base.NewWorkflow(id="after", workflow="w", input="[]")
            created, fresh = store.create_workflow(new, 1.0)  # a write, not retried
            resumed = time.monotonic() - back
            assert fresh and created.id == "after"
            assert resumed < RESUMED_WITHIN, f"the first write after the outage took {resumed:.1f}s"

            deadline = time.monotonic() + 30
            while heard.since(back) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            listened = heard.since(back)
            assert listened is not None and listened < RESUMED_WITHIN, (
                f"LISTEN was back {listened}s after the database"
            )
        finally:
            store.close()
