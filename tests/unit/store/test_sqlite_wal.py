"""The SQLite WAL stays bounded under steady writes (the checkpointer restarts it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import podium
from podium.store import sqlite as sqlite_store

WORKFLOWS = 1500


def add_one(x: int) -> int:
    return x + 1


def run_steadily(path: Path) -> tuple[list[int], int]:
    """`WORKFLOWS` one-step workflows back to back, then the WAL's size (before closing,
    which checkpoints it away): commits with no pause between them."""
    app = podium.App(database_url=f"sqlite:///{path}")
    step = app.step(add_one)

    @app.workflow
    def one(x: int) -> int:
        return step(x)

    try:
        results = [app.run(one, i) for i in range(WORKFLOWS)]
        return results, os.path.getsize(f"{path}-wal")
    finally:
        app.close()


def test_the_wal_starts_over_under_steady_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Restarted past 256 frames (1 MB), the WAL holds about that plus what the writes of one
    interval add; left to passive checkpoints it keeps every commit's pages (about 3
    commits of 2-4 pages a workflow: some 50 MB here). The same writes, both ways."""
    monkeypatch.setattr(sqlite_store._Checkpointer, "INTERVAL", 0.01)
    monkeypatch.setattr(sqlite_store._Checkpointer, "RESTART_FRAMES", 10**9)
    _results, unbounded = run_steadily(tmp_path / "unbounded.db")
    monkeypatch.setattr(sqlite_store._Checkpointer, "RESTART_FRAMES", 256)
    results, bounded = run_steadily(tmp_path / "steady.db")
    assert results == [i + 1 for i in range(WORKFLOWS)]  # nothing lost
    assert unbounded > 20 * 1024 * 1024, f"control: {unbounded / 1e6:.1f} MB"
    assert bounded < unbounded / 2, f"{bounded / 1e6:.1f} MB against {unbounded / 1e6:.1f} MB"


@pytest.mark.parametrize(
    ("frames", "copied", "due"),
    [
        (100, 100, False),  # under the limit
        (300, 300, True),  # past it, all copied back: restart
        (300, 120, False),  # a reader's snapshot still needs frames: do not hold writes back
        (-1, -1, False),  # not in WAL mode (SQLite answers -1)
    ],
)
def test_a_restart_is_asked_only_past_the_limit_with_every_frame_copied(
    frames: int, copied: int, due: bool
):
    assert sqlite_store.restart_due(frames, copied, 256) is due
