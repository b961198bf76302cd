"""Load a dialect's named SQL queries from its `sql/<dialect>/queries.sql` file."""

from __future__ import annotations

import functools
import importlib.resources


@functools.cache
def load(dialect: str, feature: str = "queries") -> dict[str, str]:
    """Return {name: sql} of `sql/<dialect>/<feature>.sql`, blocks led by `-- name: NAME`."""
    folder = importlib.resources.files("podium.store") / "sql" / dialect
    text = (folder / f"{feature}.sql").read_text()
    queries: dict[str, str] = {}
    name: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("-- name:"):
            if name:
                queries[name] = "\n".join(lines).strip()
            name, lines = line.split(":", 1)[1].strip(), []
        elif name and not line.startswith("--"):
            lines.append(line)
    if name:
        queries[name] = "\n".join(lines).strip()
    return queries


def migrations(dialect: str) -> list[tuple[int, str, str]]:
    """Return [(version, name, sql)] of the numbered migration files, in order."""
    folder = importlib.resources.files("podium.store") / "sql" / dialect
    found = []
    for entry in folder.iterdir():
        stem = entry.name.removesuffix(".sql")
        number, _, name = stem.partition("_")
        if entry.name.endswith(".sql") and number.isdigit():
            found.append((int(number), name, entry.read_text()))
    return sorted(found)
