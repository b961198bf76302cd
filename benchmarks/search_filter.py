"""Search-attribute filtering over N workflows on SQLite and PostgreSQL.

Prints one JSON line per store: ms per `app.list(search=...)` query (median of repeats)
and whether the query plan uses the search index (podium_search_value on SQLite, the GIN
index podium_workflows_search on PostgreSQL).

    python -m benchmarks.search_filter --count 100000 [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import podium
from podium.store import queries
from podium.store import search as search_store


def fill(app: podium.App, count: int) -> None:
    store = app.store
    c = store.connector
    create = queries.load(c.dialect, "workflows")["create_workflow"]
    searches = search_store.for_store(store)
    searches.fix_types({"customer": "c", "amount": 1, "vip": True}, "search=")
    now = time.time()
    batch = 2000
    for start in range(0, count, batch):
        with c.transaction() as run:
            for i in range(start, min(count, start + batch)):
                new = _new(i, now)
                run(create, new.row(now + i * 1e-6))
                attrs = {"customer": f"c-{i % 1000}", "amount": i % 500, "vip": i % 7 == 0}
                searches.write(run, new.id, attrs)


def _new(i: int, now: float) -> Any:
    from podium.store import base

    return base.NewWorkflow(id=f"wf-{i:07d}", workflow="order", input="{}", ready_at=now + 1e6)


def plan(app: podium.App) -> tuple[str, bool]:
    c = app.store.connector
    if c.dialect == "postgres":
        sql = (
            "EXPLAIN SELECT w.* FROM podium_workflows w WHERE w.search IS NOT NULL AND "
            'w.search @> \'{"customer": "c-7"}\'::jsonb ORDER BY w.created_at DESC LIMIT 50'
        )
        text = "\n".join(str(next(iter(r.values()))) for r in c.query(sql, {}))
        return text, "podium_workflows_search" in text
    sql = (
        "EXPLAIN QUERY PLAN SELECT w.* FROM podium_search s0 JOIN podium_workflows w "
        "ON w.id = s0.workflow_id WHERE s0.key = 'customer' AND s0.value = 'c-7' "
        "ORDER BY w.created_at DESC, w.id DESC LIMIT 50"
    )
    text = "\n".join(str(r.get("detail")) for r in c.query(sql, {}))
    return text, "podium_search_value" in text


def measure(url: str, store: str, count: int, repeats: int) -> dict[str, Any]:
    with podium.App("bench", database_url=url) as app:

        @app.workflow
        def order() -> None:
            return None

        fill(app, count)
        if app.store.connector.dialect == "postgres":
            app.store.connector.execute("ANALYZE podium_workflows", {})
        else:
            app.store.connector.execute("ANALYZE", {})
        times = []
        for r in range(repeats):
            t = time.perf_counter()
            found = app.list(search={"customer": f"c-{r % 1000}"}, limit=50)
            times.append((time.perf_counter() - t) * 1000)
            assert len(found) == min(50, count // 1000), len(found)
        both = []
        for r in range(repeats):
            t = time.perf_counter()
            app.list(search={"customer": f"c-{r % 1000}", "vip": True}, limit=50)
            both.append((time.perf_counter() - t) * 1000)
        text, used = plan(app)
    return {
        "benchmark": "search_filter",
        "store": store,
        "workflows": count,
        "ms_per_query_one_key": round(statistics.median(times), 3),
        "ms_per_query_two_keys": round(statistics.median(both), 3),
        "index_used": used,
        "plan": text,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a fresh schema is used)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'search.db'}"
        print(json.dumps(measure(url, "sqlite", args.count, args.repeats)), flush=True)
    if args.postgres:
        from tests import pg

        with pg.fresh_schema() as pg_url:
            print(json.dumps(measure(pg_url, "postgres", args.count, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
