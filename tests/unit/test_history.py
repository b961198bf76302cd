"""The history Cursor: positions in call order, replayed events, and the determinism check."""

import pytest

import podium
from podium.engine import history
from podium.store import base


def event(seq: int, kind: str, name: str, status: str = "completed") -> base.HistoryEvent:
    return base.HistoryEvent("wf-1", seq, kind, name, status, '"value"')


def recorded() -> list[base.HistoryEvent]:
    return [event(0, "step", "reserve"), event(1, "now", "now"), event(2, "sleep", "sleep")]


def test_replay_returns_recorded_events_in_order():
    cursor = history.Cursor("wf-1", "order", recorded())
    assert cursor.advance("step", "reserve") == (0, recorded()[0])
    assert cursor.advance("now", "now") == (1, recorded()[1])
    assert cursor.advance("sleep", "sleep") == (2, recorded()[2])
    assert cursor.advance("step", "ship") == (3, None)
    assert cursor.advance("step", "bill") == (4, None)
    cursor.check_fully_replayed()


def test_fresh_cursor_hands_out_new_positions():
    cursor = history.Cursor("wf-1", "order", [])
    assert [cursor.advance("step", f"s{n}") for n in range(3)] == [(0, None), (1, None), (2, None)]


def test_events_arrive_in_any_order():
    cursor = history.Cursor("wf-1", "order", list(reversed(recorded())))
    assert cursor.advance("step", "reserve")[1] == recorded()[0]


def test_added_events_are_remembered():
    cursor = history.Cursor("wf-1", "order", [])
    seq, found = cursor.advance("step", "reserve")
    assert found is None
    cursor.add(event(seq, "step", "reserve"))
    assert cursor.events[0].name == "reserve"
    cursor.check_fully_replayed()


def test_other_step_at_a_position_raises_with_all_fields():
    cursor = history.Cursor("wf-1", "order", recorded())
    with pytest.raises(podium.NonDeterminismError) as caught:
        cursor.advance("step", "charge")
    error = caught.value
    assert error.workflow_id == "wf-1"
    assert error.workflow == "order"
    assert error.position == 0
    assert error.recorded == "step 'reserve'"
    assert error.called == "step 'charge'"
    message = str(error)
    assert "'order'" in message and "'wf-1'" in message and "position 0" in message
    assert "step 'reserve'" in message and "step 'charge'" in message


def test_other_kind_at_a_position_raises():
    cursor = history.Cursor("wf-1", "order", recorded())
    cursor.advance("step", "reserve")
    with pytest.raises(podium.NonDeterminismError) as caught:
        cursor.advance("uuid4", "uuid4")
    assert (caught.value.position, caught.value.recorded, caught.value.called) == (
        1,
        "podium.now()",
        "podium.uuid4()",
    )


def test_divergence_is_sticky():
    """Once diverged, every later call and the end check raise the same error."""
    cursor = history.Cursor("wf-1", "order", recorded())
    with pytest.raises(podium.NonDeterminismError) as first:
        cursor.advance("step", "charge")
    with pytest.raises(podium.NonDeterminismError) as again:
        cursor.advance("now", "now")
    assert again.value is first.value
    with pytest.raises(podium.NonDeterminismError) as at_end:
        cursor.check_fully_replayed()
    assert at_end.value is first.value


def test_returning_before_the_end_of_history_raises():
    cursor = history.Cursor("wf-1", "order", recorded())
    cursor.advance("step", "reserve")
    with pytest.raises(podium.NonDeterminismError) as caught:
        cursor.check_fully_replayed()
    assert caught.value.position == 1
    assert caught.value.recorded == "podium.now()"
    assert "returned before" in caught.value.called


def test_describe():
    assert history.describe("step", "pay") == "step 'pay'"
    assert history.describe("random", "random") == "podium.random()"
