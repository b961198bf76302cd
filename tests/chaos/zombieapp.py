"""The workflow the zombie rounds freeze a worker in, and the worker those processes run.

`relay(log, wf_id, hold)` runs three steps, `a` (which works `hold` seconds, long enough to
be frozen in) then `b` and `c`. Each step returns its label and the pid that ran it, so the
history shows who committed each position; the workflow's output holds only the labels and
a value derived from the id, so it equals the uncrashed reference whoever ran it. Every
step execution appends `<wf> <label> <start|end> <pid>` to the side log.

Run as `python -m tests.chaos.zombieapp worker --concurrency 1` (PODIUM_* environment).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import podium
from tests.recovery import serve
from tests.recovery.crashapp import append


def expected(wf_id: str) -> dict[str, Any]:
    """The output of `relay` for `wf_id`, however many workers it went through."""
    return {"id": wf_id, "steps": ["a", "b", "c"], "check": sum(map(ord, wf_id)) % 997}


def build(database_url: str | None = None, **settings: Any) -> podium.App:
    """The App with `relay` registered (store from PODIUM_* when no URL)."""
    app = podium.App("zombieapp", database_url=database_url, **settings)

    @app.step
    def stamp(log: str, wf_id: str, label: str, seconds: float) -> dict[str, Any]:
        append(log, f"{wf_id} {label} start {os.getpid()}")
        time.sleep(seconds)
        append(log, f"{wf_id} {label} end {os.getpid()}")
        return {"label": label, "pid": os.getpid()}

    @app.workflow
    def relay(log: str, wf_id: str, hold: float) -> dict[str, Any]:
        done = [stamp(log, wf_id, "a", hold), stamp(log, wf_id, "b", 0.05)]
        done.append(stamp(log, wf_id, "c", 0.05))
        steps = [step["label"] for step in done]
        return {"id": wf_id, "steps": steps, "check": sum(map(ord, wf_id)) % 997}

    return app


if __name__ == "__main__":
    sys.exit(serve.main("tests.chaos.zombieapp", build, concurrency=1))
