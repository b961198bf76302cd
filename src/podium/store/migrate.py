"""Numbered migrations per dialect, recorded in a `podium_schema` table."""

from __future__ import annotations

from collections.abc import Collection

from podium import errors
from podium.store import queries


def latest(dialect: str) -> int:
    """The newest schema version this engine knows for `dialect`."""
    return max(version for version, _, _ in queries.migrations(dialect))


def pending(dialect: str, applied: Collection[int]) -> list[tuple[int, str, str]]:
    """Migrations not yet applied, in order; a store newer than this engine is an error.

    Every missing number is applied, not only those above the newest: feature migrations are
    independent of each other, so one that arrived later than a higher number still runs.
    """
    newest = latest(dialect)
    if applied and max(applied) > newest:
        raise errors.SchemaVersionError(
            f"the database has podium schema version {max(applied)}, newer than the {newest} "
            "this podium understands; upgrade podium (pip install -U podium) before using it"
        )
    return [m for m in queries.migrations(dialect) if m[0] not in applied]
