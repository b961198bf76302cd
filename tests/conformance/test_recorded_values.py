"""podium.now(), random() and uuid4() are recorded on the first run and replayed after."""

import datetime as dt
import uuid

import pytest

import podium


def test_values_replay_identically(app: podium.App):
    seen: list[tuple[dt.datetime, float, uuid.UUID]] = []

    @app.workflow
    def draw() -> list[str]:
        values = (podium.now(), podium.random(), podium.uuid4())
        seen.append(values)
        podium.sleep(0.3)  # suspend: the next run replays the three values
        return [values[0].isoformat(), str(values[1]), str(values[2])]

    result = app.run(draw, id="rv")
    assert len(seen) == 2
    assert seen[0] == seen[1]
    moment, number, ident = seen[0]
    assert moment.tzinfo is not None and moment.utcoffset() == dt.timedelta(0)
    assert 0.0 <= number < 1.0
    assert ident.version == 4
    assert result == [moment.isoformat(), str(number), str(ident)]
    kinds = [e.kind for e in app.store.load_history("rv")]
    assert kinds == ["now", "random", "uuid4", "sleep"]


def test_values_replay_in_async_workflows(app: podium.App):
    seen: list[tuple[float, str]] = []

    @app.workflow
    async def draw() -> None:
        values = (podium.random(), str(podium.uuid4()))
        seen.append(values)
        await podium.sleep(0.3)

    app.run(draw)
    assert len(seen) == 2 and seen[0] == seen[1]


def test_fresh_values_per_workflow(app: podium.App):
    @app.workflow
    def draw() -> str:
        return str(podium.uuid4())

    assert app.run(draw) != app.run(draw)


@pytest.mark.parametrize("helper", [podium.now, podium.random, podium.uuid4])
def test_helpers_outside_a_workflow_raise(helper):
    with pytest.raises(podium.PodiumError, match="outside a workflow"):
        helper()
