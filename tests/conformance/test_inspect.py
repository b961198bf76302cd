"""Looking workflows up: get, list with filters, and isolation between apps."""

import pytest

import podium

from .conftest import AppFactory


def test_get_unknown_raises_not_found(app: podium.App):
    with pytest.raises(podium.WorkflowNotFound) as caught:
        app.get("missing-id")
    assert caught.value.workflow_id == "missing-id"
    assert "'missing-id'" in str(caught.value)


def test_list_filters_and_orders_newest_first(app: podium.App):
    @app.workflow
    def good(n: int) -> int:
        return n

    @app.workflow
    def bad() -> None:
        raise RuntimeError("no")

    for n in range(1, 4):
        app.run(good, n, id=f"wf-{n}")
    with pytest.raises(podium.WorkflowFailed):
        app.run(bad, id="wf-4")
    app.start(good, 5, id="wf-5")

    assert [i.id for i in app.list()] == ["wf-5", "wf-4", "wf-3", "wf-2", "wf-1"]
    assert [i.id for i in app.list(status="failed")] == ["wf-4"]
    assert [i.id for i in app.list(status="pending")] == ["wf-5"]
    assert [i.id for i in app.list(workflow="good")] == ["wf-5", "wf-3", "wf-2", "wf-1"]
    assert [i.id for i in app.list(status="completed", workflow="good", limit=2)] == [
        "wf-3",
        "wf-2",
    ]
    assert [i.id for i in app.list(limit=2, offset=2)] == ["wf-3", "wf-2"]
    assert app.list(workflow="other") == []
    assert app.list(queue="elsewhere") == []


def test_list_validates_its_filters(app: podium.App):
    with pytest.raises(podium.ConfigurationError, match="status='done'"):
        app.list(status="done")
    with pytest.raises(podium.ConfigurationError, match="limit"):
        app.list(limit=0)


def test_two_apps_on_two_databases_do_not_see_each_other(app_factory: AppFactory, new_store_url):
    first = app_factory("shop")
    second = app_factory("shop", database_url=new_store_url())

    for app in (first, second):

        @app.workflow
        def job(n: int) -> int:
            return n

    first.run(first.registry.workflow("job"), 1, id="only-in-first")
    second.run(second.registry.workflow("job"), 2, id="only-in-second")
    assert [i.id for i in first.list()] == ["only-in-first"]
    assert [i.id for i in second.list()] == ["only-in-second"]
    with pytest.raises(podium.WorkflowNotFound):
        first.get("only-in-second")
    with pytest.raises(podium.WorkflowNotFound):
        second.get("only-in-first")


def test_app_is_a_context_manager(app_factory: AppFactory, store_url: str):
    with app_factory("ctx") as app:

        @app.workflow
        def job() -> int:
            return 3

        assert app.run(job, id="ctx-1") == 3
    reopened = app_factory("ctx", database_url=store_url)
    assert reopened.get("ctx-1").result() == 3
