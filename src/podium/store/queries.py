"""Named SQL: load a feature's queries for a dialect, with one placeholder style everywhere.

Every query file names its parameters `:like_this`. A feature's queries live in
`sql/common/<feature>.sql` where the dialects agree and in `sql/<dialect>/<feature>.sql` where
they differ; a name defined in both is a mistake and refused. A query may `-- include:` a
`-- fragment:` of its own file, and a common query one of the dialect's file: a shared query
with a dialect's own part (such as a filter) is written once. The fragments of
`sql/common/fragments.sql` (which holds no queries) serve every feature. For PostgreSQL the
placeholders are rewritten to psycopg's `%(like_this)s` when the file is loaded (and by `adapt`
for SQL built at run time), so psycopg still binds every value itself.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from podium.store import base

_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|(?<![:\w]):([A-Za-z_]\w*)")
"""A quoted literal (left alone) or a `:name` placeholder (not the `::` of a cast)."""
SHARED = "fragments"
"""The file in sql/common/ whose fragments every feature's queries may include."""
NAME_SEPARATOR = "\x00"
"""What SQLite's name sets put around each name; no name has it (`name_filter`)."""


class Feature:
    """The verbs of one store feature: its connector `_c`, its queries `_q` in that dialect.

    A subclass names its SQL file, `class Routes(Feature, sql="routes")`; its own subclasses
    inherit that name.
    """

    _sql: ClassVar[str]

    def __init_subclass__(cls, *, sql: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if sql is not None:
            cls._sql = sql

    def __init__(self, connector: base.Connector) -> None:
        self._c = connector
        self._q = load(connector.dialect, self._sql)

    def _guarded(
        self,
        guard: tuple[str, Mapping[str, Any]],
        then: Iterable[tuple[str, Mapping[str, Any]]],
    ) -> bool:
        """Run the `guard` statement, then `then` only if it changed one row, in one transaction.

        The compare-and-set of a state another process may move first: False, and nothing
        written, when the guard changed no row (a conditional UPDATE that lost the race).
        """
        with self._c.transaction() as run:
            if run(*guard).rowcount != 1:
                return False
            for sql, params in then:
                run(sql, params)
        return True


def name_filter(connector: base.Connector, workflows: Sequence[str] | None) -> dict[str, Any]:
    """The `:any_workflow`/`:workflows` parameters of a claim: only these names, or any (None).

    On PostgreSQL the names are an array (`= ANY`). On SQLite they are one string with
    `NAME_SEPARATOR` around each name, which the SQL searches for its row's name with `instr`:
    a text search costs a claim nothing up front, where `json_each` builds a table of the names
    on every claim. A name holding the separator (NUL) names no workflow (the registry refuses
    it, PostgreSQL cannot store it): it is left out, so it can neither join two others into a
    false match nor fail the query.
    """
    names = [name for name in workflows or () if NAME_SEPARATOR not in name]
    if connector.dialect == "sqlite":
        listed: object = NAME_SEPARATOR.join(["", *names, ""])
    else:
        listed = connector.array(names)
    return {"any_workflow": workflows is None, "workflows": listed}


@functools.cache
def load(dialect: str, feature: str) -> dict[str, str]:
    """Return {name: sql} of `feature` for `dialect`: its common and its dialect queries."""
    fragments: dict[str, list[str]] = {}
    if _parse(_read("common", SHARED), fragments):
        raise RuntimeError(f"common/{SHARED}.sql holds fragments only, no queries")
    own = _parse(_read(dialect, feature), fragments)
    common = _parse(_read("common", feature), fragments)
    twice = sorted(common.keys() & own.keys())
    if twice:
        raise RuntimeError(f"queries {twice} of {feature!r} are defined in common/ and {dialect}/")
    if not common and not own:
        raise RuntimeError(f"no SQL file for feature {feature!r} in common/ or {dialect}/")
    return {name: adapt(dialect, sql) for name, sql in {**common, **own}.items()}


@functools.cache
def adapt(dialect: str, sql: str) -> str:
    """`sql` with its `:name` placeholders in the style `dialect`'s driver binds."""
    if dialect != "postgres":
        return sql

    out: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(sql):
        out.append(sql[last : match.start()].replace("%", "%%"))
        name = match.group(1)
        out.append(match.group(0).replace("%", "%%") if name is None else f"%({name})s")
        last = match.end()
    out.append(sql[last:].replace("%", "%%"))
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with its `:name` placeholders as `?1, ?2, ...`, and the names in that order.

    A name used twice keeps one number. Binding a tuple by position is much cheaper for
    SQLite's driver than a dict by name (which it looks up as a new string per parameter).
    """
    names: dict[str, int] = {}
    out: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(sql):
        name = match.group(1)
        if name is None:
            continue
        number = names.setdefault(name, len(names) + 1)
        out.append(f"{sql[last : match.start()]}?{number}")
        last = match.end()
    out.append(sql[last:])
    return "".join(out), tuple(names)


def _read(folder: str, feature: str) -> str:
    entry = importlib.resources.files("podium.store") / "sql" / folder / f"{feature}.sql"
    return entry.read_text() if entry.is_file() else ""


def _parse(text: str, fragments: dict[str, list[str]] | None = None) -> dict[str, str]:
    """{name: sql} of blocks led by `-- name: NAME`; other comment lines are dropped.

    A block led by `-- fragment: NAME` is no query: a later `-- include: NAME` line stands for
    its lines. `fragments` holds those of files parsed before, and gets this file's.
    """
    queries: dict[str, list[str]] = {}
    fragments = {} if fragments is None else fragments
    block: dict[str, list[str]] | None = None
    lines: list[str] = []
    for line in text.splitlines():
        kind, _, rest = line.partition(":")
        if kind in ("-- name", "-- fragment"):
            block = queries if kind == "-- name" else fragments
            lines = []
            block[rest.strip()] = lines
        elif block is None:
            continue
        elif kind == "-- include":
            fragment = fragments.get(rest.strip())
            if fragment is None:
                raise RuntimeError(f"{line!r} names no earlier fragment")
            lines.extend("\n".join(fragment).strip().splitlines())
        elif not line.startswith("--"):
            lines.append(line)
    return {name: "\n".join(body).strip() for name, body in queries.items()}


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
