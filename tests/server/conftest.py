"""Fixtures of the server tests: an App on a fresh SQLite file, its server, and tokens."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import podium
from podium.server import create_app
from podium.store import auth
from tests.server import serverapp


@pytest.fixture
def app(tmp_path: Path) -> Iterator[podium.App]:
    application = serverapp.build(f"sqlite:///{tmp_path / 'server.db'}")
    yield application
    application.close()


@pytest.fixture
def tokens(app: podium.App) -> dict[str, str]:
    """A token per scope, by scope name."""
    store = auth.AuthStore(app.store)
    return {
        scope: store.create_token(f"test-{scope}", [scope], time.time())[1]
        for scope in ("read", "write", "admin")
    }


@pytest.fixture
def client(app: podium.App) -> Iterator[TestClient]:
    with TestClient(create_app(app, max_body=64 * 1024), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def as_scope(tokens: dict[str, str]) -> Callable[[str], dict[str, str]]:
    """Authorization headers of the token with the given scope."""
    return lambda scope: {"Authorization": f"Bearer {tokens[scope]}"}


@pytest.fixture
def wait_until() -> Callable[..., None]:
    def wait(condition: Callable[[], object], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {condition}")
            time.sleep(0.01)

    return wait
