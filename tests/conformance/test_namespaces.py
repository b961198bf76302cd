"""Namespaces on one PostgreSQL database: `?schema=NAME` per team, and nothing crosses.

Two apps with the same workflow names on two schemas of one database: each lists, gets,
runs and purges only its own workflows, a worker of one never runs the other's, a token of
one is unknown to the other, and each audit chain holds only its own entries.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest

import podium
from podium.store import auth
from tests.conformance.conftest import FAST_SETTINGS


@pytest.fixture
def teams() -> Iterator[tuple[podium.App, podium.App]]:
    from tests import pg

    with contextlib.ExitStack() as stack:
        apps = []
        for team in ("a", "b"):
            url = stack.enter_context(pg.fresh_schema())
            app = podium.App(f"team-{team}", database_url=url, **FAST_SETTINGS)
            stack.callback(app.close)

            @app.step
            def double(x: int) -> int:
                return x * 2

            @app.workflow
            def job(x: int) -> int:
                return double(x)

            apps.append(app)
        yield apps[0], apps[1]


def test_two_schemas_of_one_database_do_not_see_each_other(
    teams: tuple[podium.App, podium.App],
) -> None:
    a, b = teams
    job_a, job_b = a.registry.workflows["job"], b.registry.workflows["job"]
    assert a.run(job_a, 1, id="shared-id") == 2
    assert [i.id for i in b.list()] == []
    with pytest.raises(podium.WorkflowNotFound):
        b.get("shared-id").status()
    assert b.run(job_b, 5, id="shared-id") == 10  # the same id is free in the other namespace

    a.start(job_a, 7, id="only-a", delay=0.2)
    with b.worker(concurrency=2):  # b's worker is woken by a's start, and claims nothing of a
        time.sleep(0.6)
    assert a.get("only-a").status() == "pending"
    with a.worker(concurrency=2):
        assert a.get("only-a").result(timeout=10) == 14

    token = auth.AuthStore(a.store).create_token("team-a", ["admin"], time.time())[1]
    assert auth.AuthStore(a.store).verify(token) is not None
    assert auth.AuthStore(b.store).verify(token) is None
    assert a.purge(older_than=0).workflows == 2
    assert [i.id for i in b.list()] == ["shared-id"]  # b's run survived a's purge
    actions = [e.action for e in auth.AuthStore(b.store).audit_log()]
    assert "workflow.purge" not in actions
