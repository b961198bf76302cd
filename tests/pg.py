"""PostgreSQL for tests: the server's URL and fresh, uniquely named schemas that are dropped after.

The server comes from PODIUM_TEST_POSTGRES_URL (default: a local trust-auth server). A test
that needs it and finds no server FAILS with the reason; it is never skipped, so a CI run
without PostgreSQL cannot pass by testing only SQLite.
"""

from __future__ import annotations

import os
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA_PREFIX = "podium_test_"


def postgres_url() -> str:
    """The test server's URL: PODIUM_TEST_POSTGRES_URL or the local default."""
    return os.environ.get("PODIUM_TEST_POSTGRES_URL") or DEFAULT_URL


def with_query(url: str, **params: str) -> str:
    """`url` with query parameters added (or replaced)."""
    parsed = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parsed.query))
    query.update(params)
    encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    return urllib.parse.urlunsplit(parsed._replace(query=encoded))


def connect() -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection to the test server; fails the test loudly if none answers."""
    url = postgres_url()
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip()
    pytest.fail(
        f"PostgreSQL tests need a server at {url!r} (set PODIUM_TEST_POSTGRES_URL) but none "
        f"answered: {reason}. Start one, e.g. "
        "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`.",
        pytrace=False,
    )


def new_schema_name() -> str:
    """A schema name no other test (or test run) uses."""
    return f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:12]}"


def drop_schema(name: str) -> None:
    """Drop schema `name` and everything in it, if it exists."""
    with connect() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


@contextmanager
def fresh_schema() -> Iterator[str]:
    """Yield a URL whose `?schema=` names a new schema (podium creates it); drop it after."""
    with connect():
        pass  # fail loudly now if there is no server, not inside podium
    name = new_schema_name()
    try:
        yield with_query(postgres_url(), schema=name)
    finally:
        drop_schema(name)
