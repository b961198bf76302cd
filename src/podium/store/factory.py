"""Pick and open a store from a database URL; dialect modules are imported only when used."""

from __future__ import annotations

import os
import urllib.parse

from podium import errors
from podium.store import base, urls

_EXAMPLES = "'sqlite:///podium.db', 'sqlite:////abs/path.db' or 'postgresql://user@host/db'"
_POSTGRES_OPTIONS = ("schema", "pool_max")


def open_store(url: str) -> base.Store:
    """Open the store `url` names, creating and migrating its schema as needed."""
    if not isinstance(url, str):
        raise errors.ConfigurationError(f"database URL must be a string like {_EXAMPLES}")
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "sqlite":
        return _open_sqlite(url)
    if scheme in ("postgresql", "postgres"):
        return _open_postgres(url)
    raise errors.ConfigurationError(
        f"database URL {urls.redact(url)!r} has an unsupported scheme; use {_EXAMPLES}"
    )


def sqlite_path(url: str) -> tuple[str, dict[str, str]]:
    """Split a sqlite URL into its file path and query options."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.netloc:
        raise errors.ConfigurationError(
            f"database URL {url!r} names a host; SQLite URLs have three slashes: "
            "'sqlite:///relative.db' or four for an absolute path: 'sqlite:////abs.db'"
        )
    path = parsed.path[1:] if parsed.path.startswith("/") else parsed.path
    if not path:
        raise errors.ConfigurationError(
            f"database URL {url!r} names no file; use 'sqlite:///podium.db'"
        )
    options = dict(urllib.parse.parse_qsl(parsed.query))
    return path, options


def _open_sqlite(url: str) -> base.Store:
    from podium.store import sqlite

    path, options = sqlite_path(url)
    unknown = set(options) - {"synchronous"}
    if unknown:
        raise errors.ConfigurationError(
            f"database URL {url!r} has unknown option(s) {sorted(unknown)}; "
            "SQLite URLs accept ?synchronous=normal|full"
        )
    if path != ":memory:":
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise errors.ConfigurationError(
                f"database URL {url!r}: folder {folder!r} does not exist; create it first"
            )
    return sqlite.SQLiteStore(path, synchronous=options.get("synchronous", "normal"))


def postgres_options(url: str) -> tuple[str, dict[str, str]]:
    """Split podium's own options (`schema`, `pool_max`) off a PostgreSQL URL.

    The rest of the URL, other query parameters included (sslmode, options, ...), goes to
    libpq unchanged. Without `schema=` podium's tables live in the connection's default
    schema (normally public, or the first schema of an `options=-csearch_path=...`).
    """
    parsed = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
    ours = {k: v for k, v in query if k in _POSTGRES_OPTIONS}
    rest = urllib.parse.urlencode(
        [(k, v) for k, v in query if k not in _POSTGRES_OPTIONS], quote_via=urllib.parse.quote
    )
    return urllib.parse.urlunsplit(parsed._replace(query=rest)), ours


def _without_driver(url: str, exc: ImportError) -> Exception:
    """What to raise when importing podium.store.postgres failed with `exc`.

    The driver missing says how to install it; any other ImportError is raised as it is.
    """
    if exc.name not in ("psycopg", "psycopg_pool"):
        return exc
    return errors.ConfigurationError(
        f"database URL {urls.redact(url)!r} needs the PostgreSQL driver, which is not "
        "installed; run: pip install 'podium[postgres]'"
    )


def _open_postgres(url: str) -> base.Store:
    try:
        from podium.store import postgres
    except ImportError as exc:
        raise _without_driver(url, exc) from None
    conninfo, options = postgres_options(url)
    pool_max = options.get("pool_max", str(postgres.POOL_MAX))
    if not pool_max.isdigit() or int(pool_max) < 1:
        raise errors.ConfigurationError(
            f"database URL {urls.redact(url)!r}: pool_max={pool_max!r} must be a whole number >= 1"
        )
    schema = options.get("schema") or None
    return postgres.PostgresStore(conninfo, schema=schema, pool_max=int(pool_max))


def postgres_schema_missing(url: str) -> str | None:
    """The `?schema=` of PostgreSQL `url` when that schema does not exist yet, else None.

    Opening a store creates its schema; commands that only read or steer workflows ask
    first, so that a mistyped schema is reported instead of created empty.
    """
    conninfo, options = postgres_options(url)
    schema = options.get("schema")
    if not schema:
        return None
    try:
        from podium.store import postgres
    except ImportError as exc:
        raise _without_driver(url, exc) from None
    return None if postgres.schema_exists(conninfo, schema) else schema
