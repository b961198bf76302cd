"""Fixtures of the engine behaviour suite, parametrized by store backend.

Every test gets fresh databases through `new_store_url`: a SQLite file in tmp_path, or a new
PostgreSQL schema (tests/pg.py) dropped afterwards. Adding "postgres" to BACKENDS runs every
test here on both.
"""

import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import podium
from tests.conformance import faults

BACKENDS = ["sqlite", "postgres"]
"""Store backends every test runs on."""

FAST_SETTINGS: dict[str, Any] = {"lease_seconds": 2, "poll_interval": 0.02, "suspend_grace": 0.2}
"""Small engine settings so waits and suspensions happen quickly in tests."""

AppFactory = Callable[..., podium.App]
Waiter = Callable[..., None]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend under test."""
    return str(request.param)


@pytest.fixture
def new_store_url(backend: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory of URLs, each naming a fresh, empty database of `backend`; dropped after."""
    counter = itertools.count()
    with contextlib.ExitStack() as cleanup:

        def make() -> str:
            if backend == "sqlite":
                return f"sqlite:///{tmp_path / f'podium-{next(counter)}.db'}"
            if backend == "postgres":
                from tests import pg  # imports psycopg: only when PostgreSQL is under test

                return cleanup.enter_context(pg.fresh_schema())
            raise AssertionError(f"no fresh-database recipe for backend {backend!r}")

        yield make


@pytest.fixture
def store_url(new_store_url: Callable[[], str]) -> str:
    """The URL of one fresh database."""
    return new_store_url()


@pytest.fixture
def store_faults(request: pytest.FixtureRequest) -> float:
    """The rate of injected store faults (`--store-faults`; 0: none)."""
    return float(request.config.getoption("--store-faults") or 0.0)


@pytest.fixture
def app_factory(
    store_url: str, store_faults: float, request: pytest.FixtureRequest
) -> Iterator[AppFactory]:
    """Make Apps on `store_url` (or another URL) with fast settings; all closed afterwards.

    Under `store_faults` each App's store fails that rate of its engine's calls (workers'
    threads) with a transient fault; after the test the stores are checked for records a
    fault left half-written (`faults.check_store`).
    """
    apps: list[podium.App] = []
    injected = faults.Injector(store_faults, request)

    def make(name: str = "conformance", **options: Any) -> podium.App:
        options.setdefault("database_url", store_url)
        if store_faults and "store" not in options:
            options["store"] = injected.store(options["database_url"])
        app = podium.App(name, **{**FAST_SETTINGS, **options})
        apps.append(app)
        return app

    yield make
    for app in reversed(apps):
        app.close()
    injected.check()


@pytest.fixture
def app(app_factory: AppFactory) -> podium.App:
    """An App on a fresh database."""
    return app_factory()


@pytest.fixture
def wait_until() -> Waiter:
    """Poll `condition` until it holds; fail after a generous `timeout` (not a timing check)."""

    def wait(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {what or condition}")
            time.sleep(0.005)

    return wait
