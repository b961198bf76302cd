"""Bulk verbs: cancel_many and resume_many take list()'s filters and return counts."""

from typing import Any

import pytest

import podium
from tests.conformance.conftest import AppFactory


def _app(app_factory: AppFactory) -> tuple[podium.App, Any, Any]:
    app = app_factory()

    @app.workflow
    def checkout(n: int) -> int:
        return n

    @app.workflow
    def refund(n: int) -> int:
        return n

    return app, checkout, refund


def test_cancel_many_by_workflow_status_and_search(app_factory: AppFactory) -> None:
    app, checkout, refund = _app(app_factory)
    first = [app.start(checkout, i, search={"region": "eu"}) for i in range(3)]
    app.start(checkout, 9, search={"region": "us"})
    other = app.start(refund, 1, search={"region": "eu"})
    assert app.cancel_many(workflow="checkout", status="pending", search={"region": "eu"}) == 3
    assert {h.status() for h in first} == {"cancelled"}
    assert other.status() == "pending"
    assert app.cancel_many(workflow="checkout", search={"region": "eu"}) == 0  # already done
    assert app.cancel_many(workflow="checkout") == 1
    assert app.cancel_many(workflow="nothing-by-this-name") == 0
    assert app.resume_many(workflow="checkout", search={"region": "eu"}) == 3
    assert {h.status() for h in first} == {"pending"}
    assert app.resume_many(status="cancelled") == 1
    assert app.resume_many(status="cancelled") == 0


def test_bulk_verbs_refuse_bad_filters_and_change_nothing(app_factory: AppFactory) -> None:
    app, checkout, _ = _app(app_factory)
    h = app.start(checkout, 1, search={"region": "eu"})
    with pytest.raises(podium.ConfigurationError, match="at least one filter"):
        app.cancel_many()
    with pytest.raises(podium.ConfigurationError, match="only pending or running or waiting"):
        app.cancel_many(status="completed")
    with pytest.raises(podium.ConfigurationError, match="only failed or cancelled"):
        app.resume_many(status="pending")
    with pytest.raises(podium.ConfigurationError, match="not one of"):
        app.cancel_many(status="bogus")
    with pytest.raises(podium.ConfigurationError, match="'region' holds str values"):
        app.cancel_many(search={"region": 1})
    assert h.status() == "pending"


def test_cancel_many_cancels_running_children_too(app_factory: AppFactory) -> None:
    app, checkout, _ = _app(app_factory)
    hs = [app.start(checkout, i, delay=60) for i in range(120)]  # more than one pass
    assert app.cancel_many(workflow="checkout", status="pending") == 120
    assert {h.status() for h in hs} == {"cancelled"}


def test_pause_many_and_unpause_many(app_factory: AppFactory) -> None:
    app, checkout, refund = _app(app_factory)
    eu = [app.start(checkout, i, search={"region": "eu"}) for i in range(3)]
    us = app.start(checkout, 9, search={"region": "us"})
    other = app.start(refund, 1)
    assert app.pause_many(workflow="checkout", search={"region": "eu"}) == 3
    assert app.pause_many(workflow="checkout", search={"region": "eu"}) == 0  # paused already
    paused = {r.id for r in (app.store.get_workflow(h.id) for h in eu) if r and r.paused_at}
    assert paused == {h.id for h in eu}
    us_record = app.store.get_workflow(us.id)
    assert us_record is not None and us_record.paused_at is None
    with app.worker():
        assert other.result(timeout=10) == 1
        assert us.result(timeout=10) == 9
        assert {h.status() for h in eu} == {"pending"}  # no worker claims a paused workflow
        assert app.unpause_many(workflow="checkout") == 3
        assert app.unpause_many(workflow="checkout") == 0
        assert sorted(h.result(timeout=10) for h in eu) == [0, 1, 2]
    assert app.pause_many(status="pending") == 0  # finished ones are not paused


def test_pause_many_refuses_bad_filters_and_changes_nothing(app_factory: AppFactory) -> None:
    app, checkout, _ = _app(app_factory)
    h = app.start(checkout, 1)
    with pytest.raises(podium.ConfigurationError, match="pause_many needs at least one filter"):
        app.pause_many()
    with pytest.raises(podium.ConfigurationError, match="only pending or running or waiting"):
        app.pause_many(status="completed")
    with pytest.raises(podium.ConfigurationError, match="only pending or running or waiting"):
        app.unpause_many(status="failed")
    record = app.store.get_workflow(h.id)
    assert record is not None and record.paused_at is None
