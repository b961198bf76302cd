"""A bounded schemathesis run against /openapi.json: no input ever yields a 500."""

from __future__ import annotations

import time
from pathlib import Path

import pytest


@pytest.mark.slow
def test_fuzzed_requests_never_yield_a_500(tmp_path: Path):
    import schemathesis

    from podium.server import create_app
    from podium.store import auth
    from tests.server import serverapp

    app = serverapp.build(f"sqlite:///{tmp_path / 'fuzz.db'}")
    try:
        token = auth.AuthStore(app.store).create_token("fuzz", ["admin"], time.time())[1]
        schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(app, max_body=8192))
        headers = {"Authorization": f"Bearer {token}"}
        failures: list[str] = []
        statuses: list[int] = []
        for operation in schema.get_all_operations():
            fuzz(operation.ok(), headers, failures, statuses)  # type: ignore[union-attr]
        assert failures == []
        assert len(statuses) > 100 and 200 in statuses
    finally:
        app.close()


def fuzz(op, headers: dict[str, str], failures: list[str], statuses: list[int]) -> None:
    """Send bounded generated requests of one operation; note any 5xx."""
    from hypothesis import HealthCheck, given, settings

    strategy = op.as_strategy()

    @settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=strategy)
    def run(case):
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{op.label}: {response.status_code} {response.text[:200]}")

    run()
