"""Queue definitions: validation, which queues take the limited claim path, the App verbs."""

import pytest

import podium
from podium.patterns import queues
from podium.store import queues as queue_store
from podium.store import sqlite


def define(**options):
    defaults = {
        "concurrency": None,
        "per_key_concurrency": None,
        "rate_limit": None,
        "max_depth": None,
        "priority": True,
    }
    return queues.define("q", **{**defaults, **options})


@pytest.mark.parametrize(
    "options",
    [
        {"concurrency": 0},
        {"concurrency": 1.5},
        {"concurrency": True},
        {"per_key_concurrency": -1},
        {"max_depth": "10"},
        {"rate_limit": (0, 1.0)},
        {"rate_limit": (5, 0)},
        {"rate_limit": 5},
        {"rate_limit": (5, 1.0, 2)},
        {"priority": "yes"},
    ],
)
def test_bad_limits_are_refused(options):
    with pytest.raises(podium.ConfigurationError):
        define(**options)


def test_bad_name_is_refused():
    with pytest.raises(podium.ConfigurationError, match="queue name"):
        queues.define("", None, None, None, None, True)


def test_which_limits_need_the_limited_claim():
    assert define(concurrency=2).limits_claims
    assert define(per_key_concurrency=1).limits_claims
    assert define(rate_limit=(10, 1)).limits_claims
    assert not define(max_depth=10).limits_claims
    assert not define(priority=False).limits_claims
    assert define(rate_limit=(10, 1)).rate_period == 1.0


def test_split_leaves_unlimited_queue_lists_untouched(tmp_path):
    store = sqlite.SQLiteStore(str(tmp_path / "q.db"))
    try:
        names = ["default", "emails"]
        assert queue_store.split(store.connector, names) == (names, [])
        queue_store.save(store.connector, define(concurrency=1), 0.0)
        queue_store.save(store.connector, queues.define("d", None, None, None, 5, True), 0.0)
        assert queue_store.split(store.connector, names)[0] is names
        assert queue_store.split(store.connector, ["d", "q", "x"]) == (["d", "x"], ["q"])
        assert queue_store.any_limited(store.connector)
    finally:
        store.close()


def test_app_queue_writes_its_definition(tmp_path):
    with podium.App("unit", database_url=f"sqlite:///{tmp_path / 'a.db'}") as app:
        early = app.queue("early", concurrency=3)
        app.store  # noqa: B018 - definitions are written when the store opens
        app.queue("late", max_depth=7)
        stored = queue_store.configs(app.store.connector, fresh=True)
        assert stored["early"] == early
        assert stored["late"].max_depth == 7
        assert app.queue_stats("late").config == stored["late"]
