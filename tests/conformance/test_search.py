"""Search attributes: set at start and from the workflow, listed by filter, typed."""

from typing import Any

import pytest

import podium
from tests.conformance.conftest import AppFactory


def _app(app_factory: AppFactory) -> tuple[podium.App, Any, Any]:
    app = app_factory()

    @app.workflow
    def order(n: int) -> int:
        return n

    @app.workflow
    def tagged(n: int) -> int:
        podium.set_search(stage="done", n=n)
        podium.set_search(n=n + 1, gone=None)
        return n

    return app, order, tagged


def test_start_with_search_and_list_by_it(app_factory: AppFactory) -> None:
    app, order, _ = _app(app_factory)
    a = app.start(order, 1, search={"customer": "c-9", "amount": 42, "vip": True})
    b = app.start(order, 2, search={"customer": "c-9", "amount": 7, "vip": False})
    app.start(order, 3, search={"customer": "c-1", "amount": 42, "vip": True})
    app.start(order, 4)  # no attributes at all
    assert {w.id for w in app.list(search={"customer": "c-9"})} == {a.id, b.id}
    assert [w.id for w in app.list(search={"customer": "c-9", "amount": 42})] == [a.id]
    assert [w.id for w in app.list(search={"customer": "c-9", "vip": False})] == [b.id]
    assert app.list(search={"customer": "nobody"}) == []
    assert app.list(search={"never_written": "x"}) == []
    assert [w.id for w in app.list(search={"vip": True}, status="pending", limit=1)] != []
    assert app.list(search={"customer": "c-9"}, status="completed") == []
    assert app.search_attributes(a.id) == {"amount": 42, "customer": "c-9", "vip": True}


def test_wrong_types_are_clear_errors_and_write_nothing(app_factory: AppFactory) -> None:
    app, order, _ = _app(app_factory)
    app.start(order, 1, search={"customer": "c-9", "amount": 42, "total": 9.0})
    with pytest.raises(podium.ConfigurationError, match="'customer' holds str values"):
        app.list(search={"customer": 9})
    with pytest.raises(podium.ConfigurationError, match="str, int, float or bool"):
        app.list(search={"customer": ["c-9"]})
    with pytest.raises(podium.ConfigurationError, match="holds str values"):
        app.start(order, 2, id="bad", search={"customer": 5})
    with pytest.raises(podium.ConfigurationError, match="must be a dict"):
        app.start(order, 2, id="bad", search=["customer"])  # type: ignore[arg-type]
    with pytest.raises(podium.ConfigurationError, match="not a valid search attribute name"):
        app.start(order, 2, id="bad", search={"no spaces": 1})
    assert app.store.get_workflow("bad") is None
    assert len(app.list(search={"total": 9})) == 1  # an int filter matches a float key
    with pytest.raises(podium.ConfigurationError, match="'amount' holds int values"):
        app.list(search={"amount": 42.0})


def test_set_search_from_the_workflow_is_durable(app_factory: AppFactory) -> None:
    app, _, tagged = _app(app_factory)
    h = app.start(tagged, 5, search={"gone": "x"})
    with app.worker():
        assert h.result(timeout=20) == 5
    assert app.search_attributes(h.id) == {"n": 6, "stage": "done"}
    assert [w.id for w in app.list(search={"stage": "done", "n": 6})] == [h.id]
    kinds = [e.kind for e in app.store.load_history(h.id)]
    assert kinds.count("search") == 2
    # A replay (resume after the end re-runs nothing recorded) does not write again.
    assert app.run(tagged, 5, id=h.id) == 5
    assert app.search_attributes(h.id) == {"n": 6, "stage": "done"}


def test_select_composes_created_range_and_id_substring(app_factory: AppFactory) -> None:
    from podium.store import search as search_store

    app, order, _ = _app(app_factory)
    for wid in ("Old-A", "new-a", "new-b"):
        app.start(order, 1, id=wid, search={"customer": "c-9"})
    app.start(order, 1, id="new-c", search={"customer": "c-1"})
    records = {w: app.store.get_workflow(w) for w in ("Old-A", "new-a", "new-b")}
    at = {w: r.created_at for w, r in records.items() if r is not None}
    searches = search_store.for_store(app.store)

    def ids(**filters: Any) -> set[str]:
        return {r.id for r in searches.select(search={"customer": "c-9"}, **filters)}

    assert ids(id_contains="-A") == {"Old-A", "new-a"}
    assert ids(id_contains="new", created_before=max(at.values()) + 1) == {"new-a", "new-b"}
    assert ids(created_after=max(at.values()) + 1) == set()
    assert ids(created_after=min(at.values())) == {"Old-A", "new-a", "new-b"}
    assert ids(created_before=min(at.values())) == set()
