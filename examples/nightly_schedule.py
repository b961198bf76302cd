"""Nightly report: a cron schedule that runs once per tick however many workers serve it.

`@app.workflow(schedule=...)` stores the schedule; every worker runs a scheduler, and each
tick is fired by exactly one of them, as a workflow with id `nightly_report@<tick in UTC>`.
Ticks missed while no worker was up are caught up by `catchup=` ("latest" here: one run for
the newest missed night). Schedules can be listed, paused and resumed from code or the CLI.

    python examples/nightly_schedule.py   # a fast demo: a per-second schedule, three workers

Or serve it for real (from the repository root; schedules need `pip install 'podium[schedule]'`):

    podium worker examples.nightly_schedule:app
    podium schedules list
    podium schedules pause nightly_report
    podium schedules resume nightly_report

The fast demo runs on a temporary SQLite file of its own; the worker and the CLI use the
store from PODIUM_DATABASE_URL, else ./podium.db (a SQLite file).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time

import podium


def build(database_url: str | None = None, cron: str = "0 2 * * *") -> podium.App:
    """The reporting app: a report at 02:00 Berlin time every night (or on `cron`)."""
    app = podium.App("reports", database_url=database_url)

    @app.step
    def collect_sales(day: str) -> dict[str, float]:
        """Sum the day's sales (simulated)."""
        return {"day_total": float(sum(ord(c) for c in day) % 997)}

    @app.step
    def email_report(day: str, figures: dict[str, float]) -> str:
        """Send the report (simulated)."""
        return f"report for {day}: {figures['day_total']:.2f}"

    @app.workflow(schedule=cron, timezone="Europe/Berlin", catchup="latest")
    def nightly_report(tick: dt.datetime) -> str:
        """Report on the day before the tick; the tick arrives as an aware datetime."""
        day = (tick - dt.timedelta(days=1)).date().isoformat()
        return email_report(day, collect_sales(day))

    return app


app = build()


def main() -> None:
    """Run a per-second variant on three workers for ~4 s and show one run per tick."""
    folder = tempfile.mkdtemp(prefix="podium-nightly-")
    url = f"sqlite:///{os.path.join(folder, 'demo.db')}"
    apps = [build(url, cron="* * * * * *") for _ in range(3)]  # three "processes"
    info = apps[0].schedules()[0]
    print(f"schedule {info.name}: cron {info.cron!r} in {info.timezone}, catchup {info.catchup!r}")
    workers = [a.worker(concurrency=2) for a in apps]
    for w in workers:
        w.start()
    time.sleep(4.2)
    apps[0].pause_schedule("nightly_report")
    time.sleep(1.5)
    for w in workers:
        w.stop()
    runs = sorted(apps[0].list(workflow="nightly_report", limit=100), key=lambda i: i.id)
    ticks = [r.id.split("@")[1] for r in runs]
    once = len(set(ticks)) == len(ticks)
    print(f"{len(runs)} runs from 3 workers, one per tick, none twice: {once}")
    for r in runs:
        print(f"  {r.id}  {r.status}")
    print(f"paused: {apps[0].schedules()[0].paused}; resume with app.resume_schedule(...)")
    for a in apps:
        a.close()


if __name__ == "__main__":
    main()
