"""Security finding 7: bad option values are refused alike on both stores, writing nothing."""

import math

import pytest

import podium

BAD_OPTIONS = [
    {"delay": math.nan},
    {"delay": math.inf},
    {"timeout": math.nan},
    {"timeout": math.inf},
    {"priority": 10**30},
    {"priority": -(10**30)},
    {"id": "a\x00b"},
    {"id": "lone \udc80"},
    {"key": "k\x00"},
    {"key": "\ud800"},
    {"queue": "q\x00"},
    {"queue": "\udfff"},
]


@pytest.mark.parametrize("options", BAD_OPTIONS, ids=repr)
def test_bad_start_options_are_configuration_errors_and_write_nothing(
    app: podium.App, options: dict[str, object]
):
    @app.workflow
    def job(x: int) -> int:
        return x

    with pytest.raises(podium.ConfigurationError):
        app.start(job, 1, **options)  # type: ignore[arg-type]
    assert app.list() == []


@pytest.mark.parametrize("name", ["t\x00", "\udc80"])
def test_bad_topics_and_message_ids_are_refused(app: podium.App, name: str):
    @app.workflow
    def job(x: int) -> int:
        return x

    handle = app.start(job, 1)
    with pytest.raises(podium.ConfigurationError):
        app.publish(name, 1)
    with pytest.raises(podium.ConfigurationError):
        handle.send(name, 1)
    with pytest.raises(podium.ConfigurationError):
        handle.send("topic", 1, id=name)


def test_priorities_at_the_bounds_are_stored(app: podium.App):
    @app.workflow
    def job(x: int) -> int:
        return x

    app.start(job, 1, priority=2**31 - 1)
    app.start(job, 1, priority=-(2**31))
    assert len(app.list()) == 2
