"""Smart routing: lanes by score range, the lane recorded once per start id."""

import pytest

import podium
from podium import errors
from podium.patterns import routing

LANES = {"urgent": (-1.0, -0.3), "normal": (-0.3, 1.0)}


def test_lanes_by_score_range_with_the_top_bound_and_the_nearest_lane():
    app = podium.App("r", database_url="sqlite:///:memory:")
    router = app.router("support", score=lambda t: float(t), lanes=LANES)
    assert [router.route(t) for t in ("-1", "-0.5", "-0.3", "0", "1.0")] == [
        "urgent",
        "urgent",
        "normal",
        "normal",
        "normal",
    ]
    assert router.route("-7") == "urgent" and router.route("3") == "normal"
    app.close()


def test_the_sentiment_scorer_routes_an_angry_ticket_to_urgent():
    pytest.importorskip("numpy")
    from podium.intelligence import SentimentScorer

    app = podium.App("r", database_url="sqlite:///:memory:")
    router = app.router("support", score=SentimentScorer(), lanes=LANES)
    assert router.route("This is terrible, I am furious, the app is broken again!") == "urgent"
    assert router.route("Thanks, works great, love it") == "normal"
    app.close()


def test_start_puts_the_workflow_in_its_lane_once_per_id():
    app = podium.App("r", database_url="sqlite:///:memory:")

    @app.workflow
    def ticket(body: str) -> str:
        return body

    score = {"a": -0.9, "b": 0.5}
    router = app.router(
        "support",
        score=lambda t: score[t],
        lanes=LANES,
        queue_of={"urgent": "support-urgent"},
        priority_of={"urgent": 10},
    )
    before = routing.counts().get(("support", "urgent"), 0)
    handle = router.start(ticket, "angry", text="a", id="t-1")
    record = app.store.get_workflow(handle.id)
    assert record is not None and (record.queue, record.priority) == ("support-urgent", 10)
    assert app.search_attributes("t-1") == {"lane": "urgent", "router": "support"}
    again = router.start(ticket, "angry", text="b", id="t-1")  # a retried request
    assert again.id == "t-1" and app.search_attributes("t-1")["lane"] == "urgent"
    assert routing.counts()[("support", "urgent")] == before + 1
    other = router.start(ticket, "fine", text="b")
    assert app.store.get_workflow(other.id).queue == "default"  # type: ignore[union-attr]
    app.close()


@pytest.mark.parametrize(
    "options",
    [
        {"lanes": {}},
        {"lanes": {"a": (1.0, 0.0)}},
        {"lanes": LANES, "queue_of": {"nope": "q"}},
        {"lanes": LANES, "score": 3},
    ],
)
def test_bad_routers_are_refused(options):
    app = podium.App("r", database_url="sqlite:///:memory:")
    with pytest.raises(errors.ConfigurationError):
        app.router("x", **{"score": len, **options})
    app.close()
