"""Schemathesis against an app with live data: path parameters name workflows that exist.

tests/server/test_fuzz.py fuzzes an empty store, where almost every workflow route answers
404 before it reads anything. Here the store holds a completed, a failed and a waiting
workflow (with search attributes, a query, an update and a redacted value), a received
message, a published event and a state machine instance; each generated request has its
path parameters replaced by one of those half of the time, so the bodies and query strings
reach the code that handles a real workflow. No request may yield a 5xx.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import podium
from podium.store import auth
from tests.server import serverapp

KNOWN = {
    "workflow_id": ["seed-ok", "seed-failed", "seed-wait", "seed-msg"],
    "name": ["vault", "default", "checkout", "nightly"],
    "instance": ["V-1"],
}
"""Existing values for each path parameter name."""


def _seed(app: podium.App) -> podium.WorkflowHandle:
    @app.workflow(redact=["card.number"])
    def guarded(card: dict[str, Any]) -> str:
        podium.set_search(card=str(card.get("number")), tier="gold")
        state = podium.state({"last": card.get("number"), "open": True})
        if card.get("wait"):
            podium.wait_condition(lambda: not state["open"], timeout=600)
        if card.get("fail"):
            raise ValueError(f"card {card.get('number')} declined")
        return "ok"

    @guarded.query("last")
    def last(state: dict[str, Any], prefix: Any = None) -> str:
        return f"{prefix} {state['last']}"

    @guarded.update("swap")
    def swap(state: dict[str, Any], card: Any) -> str:
        state["last"] = card
        return "swapped"

    @app.workflow
    def listener() -> str:
        return str(podium.receive("note", timeout=600))

    vault = app.state_machine(
        "vault", initial="closed", transitions=[("open", "closed", "opened")], final="opened"
    )
    vault.create("V-1", {"combination": 42})
    with app.worker(2):
        app.run(guarded, {"number": "4242424242424242"}, id="seed-ok")
        with pytest.raises(podium.WorkflowFailed):
            app.run(guarded, {"number": "4111111111111111", "fail": True}, id="seed-failed")
        waiting = app.start(guarded, {"number": "5500005555555559", "wait": True}, id="seed-wait")
        listening = app.start(listener, id="seed-msg")
        listening.send("note", {"text": "hello"})
        app.publish("shipped", {"order": 7})
        deadline = time.monotonic() + 20
        while waiting.status() != "waiting" and time.monotonic() < deadline:
            time.sleep(0.05)
        listening.result(timeout=20)
    return waiting


@pytest.fixture(params=["sqlite", "postgres"])
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[podium.App]:
    with contextlib.ExitStack() as cleanup:
        if request.param == "postgres":
            from tests import pg

            url = cleanup.enter_context(pg.fresh_schema())
        else:
            url = f"sqlite:///{tmp_path / 'fuzz-seeded.db'}"
        app = serverapp.build(url)
        cleanup.callback(app.close)
        _seed(app)
        yield app


@pytest.mark.slow
def test_fuzzed_requests_on_live_workflows_never_yield_a_500(seeded: podium.App) -> None:
    import schemathesis

    from podium.server import create_app

    admin = auth.AuthStore(seeded.store).create_token("fuzz", ["admin"], time.time())[1]
    bare = auth.AuthStore(seeded.store).create_token(
        "bare", ["write"], time.time(), payloads=False
    )[1]
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(seeded, max_body=8192))
    failures: list[str] = []
    statuses: list[int] = []
    chooser = random.Random(7)
    for operation in schema.get_all_operations():
        op = operation.ok()  # type: ignore[union-attr]
        for token in (admin, bare):
            headers = {"Authorization": f"Bearer {token}"}
            _fuzz(op, headers, chooser, failures, statuses)
    assert failures == []
    assert len(statuses) > 200 and 200 in statuses


def _fuzz(
    op: Any,
    headers: dict[str, str],
    chooser: random.Random,
    failures: list[str],
    statuses: list[int],
) -> None:
    """Send bounded generated requests of one operation, half on seeded ids; note any 5xx."""
    from hypothesis import HealthCheck, given, settings

    @settings(
        max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=op.as_strategy())
    def run(case: Any) -> None:
        params = dict(case.path_parameters or {})
        if params and chooser.random() < 0.5:
            for name in params:
                if name in KNOWN:
                    params[name] = chooser.choice(KNOWN[name])
            case.path_parameters = params
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        if response.status_code >= 500:
            failures.append(
                f"{op.label} {case.path_parameters} {case.query} {case.body!r:.200}: "
                f"{response.status_code} {response.text[:200]}"
            )

    run()
