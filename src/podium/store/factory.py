"""Pick and open a store from a database URL; dialect modules are imported only when used."""

from __future__ import annotations

import os
import urllib.parse

from podium import errors
from podium.store import base

_EXAMPLES = "'sqlite:///podium.db', 'sqlite:////abs/path.db' or 'postgresql://user@host/db'"


def open_store(url: str) -> base.Store:
    """Open the store `url` names, creating and migrating its schema as needed."""
    if not isinstance(url, str):
        raise errors.ConfigurationError(f"database URL must be a string like {_EXAMPLES}")
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "sqlite":
        return _open_sqlite(url)
    if scheme in ("postgresql", "postgres"):
        raise errors.ConfigurationError(
            f"database URL {_redact(url)!r}: the PostgreSQL store is not part of this podium "
            "version yet; use a sqlite:/// URL"
        )
    raise errors.ConfigurationError(
        f"database URL {_redact(url)!r} has an unsupported scheme; use {_EXAMPLES}"
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


def _redact(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return urllib.parse.urlunsplit(parsed._replace(netloc=netloc))
    return url
