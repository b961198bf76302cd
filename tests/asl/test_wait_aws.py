"""Wait: Seconds, SecondsPath, Timestamp and TimestampPath, and the runtime errors of bad paths."""

import pytest

from podium.asl import errors
from tests.asl.helpers import FakeEffects, run


def wait(**fields):
    return {"StartAt": "W", "States": {"W": {"Type": "Wait", **fields, "End": True}}}


def test_seconds_path_waits_and_passes_the_input_on():
    effects = FakeEffects()
    assert run(wait(SecondsPath="$.s"), {"s": 5}, effects=effects) == {"s": 5}
    assert effects.sleeps == [5.0]


def test_a_timestamp_in_the_past_does_not_wait():
    effects = FakeEffects()
    assert run(wait(Timestamp="2001-01-01T00:00:00Z"), {}, effects=effects) == {}
    assert effects.sleeps == []


def test_timestamp_path_waits_until_the_moment():
    effects = FakeEffects()  # its clock stands at 2024-01-01T12:00:00Z
    run(wait(TimestampPath="$.at"), {"at": "2024-01-01T12:00:30+00:00"}, effects=effects)
    assert effects.sleeps == [30.0]


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        (-1, "The SecondsPath parameter references a negative value: $.s == -1"),
        (1.5, "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5"),
        ("10", "The SecondsPath parameter cannot be parsed as a long value: $.s == 10"),
    ],
)
def test_bad_seconds_path_values_are_runtime_errors(value, cause):
    with pytest.raises(errors.ASLError) as info:
        run(wait(SecondsPath="$.s"), {"s": value})
    assert (info.value.error, info.value.cause) == ("States.Runtime", cause)


def test_a_bad_timestamp_path_value_is_a_runtime_error():
    with pytest.raises(errors.ASLError) as info:
        run(wait(TimestampPath="$.at"), {"at": "tomorrow"})
    assert info.value.error == "States.Runtime"
    assert info.value.cause.endswith("format string: $.at == tomorrow")
