"""A per-second schedule whose tick claims pause inside their transaction, to be killed there.

`Schedules.fire` is replaced by the same steps with a pause between the conditional UPDATE
that claims the ticks and the commit, announced by a `claimed NEXT_TICK PID` line in the
marker file: the crash test SIGKILLs the process during that pause. Run as
`python -m tests.recovery.scheduleapp` (store from PODIUM_DATABASE_URL; marker from
SCHEDULE_MARKER; pause seconds from SCHEDULE_PAUSE).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import time
import types
from typing import Any

import podium
from podium.store import base, queries
from podium.store import schedules as schedule_store
from tests.recovery.crashapp import append


def build(database_url: str | None = None, **settings: Any) -> podium.App:
    """The App with the every-second `beat` schedule (catch-up: all)."""
    app = podium.App("scheduleapp", database_url=database_url, **settings)

    @app.workflow(schedule="* * * * * *", catchup="all")
    def beat(at: dt.datetime) -> str:
        return at.isoformat()

    return app


def fire_slowly(
    self: schedule_store.Schedules,
    row: schedule_store.ScheduleRow,
    new_next: float,
    last_tick: float | None,
    runs: list[base.NewWorkflow],
    now: float,
) -> bool:
    """`Schedules.fire`, pausing after the claiming UPDATE and before the commit."""
    connector = self._c
    q = self._q
    create = queries.load(connector.dialect, "workflows")["create_workflow"]
    advance = {
        "name": row.name,
        "old_next": row.next_tick,
        "new_next": new_next,
        "last_tick": last_tick,
        "now": now,
    }
    with connector.transaction() as run:
        if run(q["advance"], advance).rowcount != 1:
            return False
        append(os.environ["SCHEDULE_MARKER"], f"claimed {row.next_tick!r} {os.getpid()}")
        time.sleep(float(os.environ.get("SCHEDULE_PAUSE", "0.3")))
        for new in runs:
            run(create, new.row(now))
    return True


def _exit_cleanly(signum: int, frame: types.FrameType | None) -> None:
    raise SystemExit(0)


def main() -> int:
    """Serve until SIGTERM, firing the schedule slowly."""
    signal.signal(signal.SIGTERM, _exit_cleanly)
    schedule_store.Schedules.fire = fire_slowly  # type: ignore[method-assign]
    app = build()
    worker = app.worker(concurrency=4)
    print(f"worker {os.getpid()} up", flush=True)
    try:
        worker.run()
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
