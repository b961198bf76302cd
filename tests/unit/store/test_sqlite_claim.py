"""SQLite's claim of one queue (`claim_queue`) takes exactly the rows the general `claim` does.

`claim_queue` takes the due rows of the highest priority first and walks the lower levels
only for what they left; `claim` walks every level and sorts. Over tables with several
priorities, rows not yet due (sleeping, leased), finished, paused and of other names, both
statements must claim the same rows and return them alike, for every limit and name filter.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podium.store import queries, sqlite

NOW = 1_000_000.0
INSERT = (
    "INSERT INTO podium_workflows (id, workflow, status, queue, priority, created_at,"
    " updated_at, claimable_at, paused_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sqlite.SQLiteStore]:
    opened = sqlite.SQLiteStore(str(tmp_path / "claim.db"))
    yield opened
    opened.close()


def fill(store: sqlite.SQLiteStore, seed: int, levels: tuple[int, ...], due: int) -> None:
    """`due` due rows and others not due, finished or paused, over `levels` and two queues."""
    rnd = random.Random(seed)
    rows: list[tuple[Any, ...]] = []
    kinds = [("pending", -1.0)] * due + [("waiting", 1.0)] * 30 + [("running", 2.0)] * 5
    kinds += [("completed", 0.0)] * 10
    for n, (status, when) in enumerate(kinds):
        # whole seconds, so that rows tie on claimable_at and the rowid decides
        at = None if status == "completed" else NOW + when * rnd.randint(0, 20)
        paused = NOW if n % 9 == 4 else None
        rows.append(
            (f"w{seed}-{n:04d}-{rnd.randint(0, 999)}", "other" if n % 5 == 3 else "wf", status,
             "q2" if n % 4 == 1 else "default", rnd.choice(levels), NOW, NOW, at, paused)
        )  # fmt: skip
    rnd.shuffle(rows)
    conn = store._conn
    conn.execute("BEGIN")
    conn.executemany(INSERT, rows)
    conn.execute("COMMIT")


def run(store: sqlite.SQLiteStore, sql: str, params: dict[str, Any]) -> list[Any]:
    """The rows `sql` claims and returns, undone afterwards."""
    text, values = sqlite._positional(sql)
    conn = store._conn
    conn.execute("BEGIN")
    try:
        return conn.execute(text, values(params)).fetchall()
    finally:
        conn.execute("ROLLBACK")


CASES = [((0,), 40), ((0, 1), 3), ((0, 1, 5), 25), ((-3, 0, 2, 7, 9), 12), ((0, 4), 0)]


@pytest.mark.parametrize(("seed", "case"), list(enumerate(CASES)))
def test_claim_queue_claims_what_claim_of_one_queue_claims(
    store: sqlite.SQLiteStore, seed: int, case: tuple[tuple[int, ...], int]
) -> None:
    levels, due = case
    fill(store, seed, levels, due)
    q = queries.load("sqlite", "workflows")
    general = q["claim"].replace("{queue_rows}", "(:q0)")
    assert store._claim_sql(1) == (q["claim_queue"], ("q0",))
    compared = 0
    for queue in ("default", "q2", "none"):
        for limit in (1, 2, 3, 7, 100):
            for names in (None, ["wf"], ["other", "absent"]):
                params = {**queries.name_filter(store.connector, names), "q0": queue}
                params.update(owner="w", limit=limit, now=NOW, lease_until=NOW + 30)
                expected = run(store, general, params)
                assert run(store, q["claim_queue"], params) == expected
                compared += len(expected)
    assert compared > 0 or due == 0
