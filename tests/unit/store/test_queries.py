"""The named-SQL parser: blocks, dropped comments, and fragments two queries share."""

import pytest

from podium.store import queries


def test_fragments_are_included_and_are_no_queries():
    text = """
-- fragment: ready
-- which rows
FROM t
WHERE ready

-- name: rows
SELECT id
-- include: ready
ORDER BY id;

-- name: count
SELECT count(*) AS n
-- include: ready
;
"""
    assert queries._parse(text) == {
        "rows": "SELECT id\nFROM t\nWHERE ready\nORDER BY id;",
        "count": "SELECT count(*) AS n\nFROM t\nWHERE ready\n;",
    }


def test_an_unknown_fragment_is_refused():
    with pytest.raises(RuntimeError, match="no earlier fragment"):
        queries._parse("-- name: q\nSELECT 1\n-- include: missing\n")


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_browse_listing_and_count_share_one_filter(dialect):
    q = queries.load(dialect, "browse")
    where = q["list_workflows"][
        q["list_workflows"].index("FROM") : q["list_workflows"].index("ORDER BY")
    ]
    assert where.strip() in q["count_workflows"]


def test_a_common_query_includes_a_fragment_of_the_dialect_file():
    fragments: dict[str, list[str]] = {}
    own = queries._parse("-- fragment: where\nWHERE x = :x\n\n-- name: own\nSELECT 2;\n", fragments)
    common = queries._parse("-- name: shared\nSELECT 1 FROM t\n-- include: where\n;", fragments)
    assert own == {"own": "SELECT 2;"}
    assert common == {"shared": "SELECT 1 FROM t\nWHERE x = :x\n;"}


def test_the_shared_fragment_file_holds_fragments_only():
    fragments: dict[str, list[str]] = {}
    assert queries._parse(queries._read("common", queries.SHARED), fragments) == {}
    assert {"queue_levels", "next_level"} <= fragments.keys()


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_a_shared_fragment_serves_queries_of_several_features(dialect):
    levels = queries.adapt(dialect, _shared("queue_levels"))
    assert queries.load(dialect, "workflows")["next_due"].startswith(levels)
    assert queries.load(dialect, "queues")["candidates"].startswith(levels)
    step = queries.adapt(dialect, _shared("next_level"))
    assert step in queries.load(dialect, "workflows")["claim"]


def _shared(name: str) -> str:
    """The text of the shared fragment `name`, as a query that includes it reads it."""
    fragments: dict[str, list[str]] = {}
    queries._parse(queries._read("common", queries.SHARED), fragments)
    return queries._parse(f"-- name: q\n-- include: {name}", fragments)["q"]
