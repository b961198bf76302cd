"""Settings resolve in one place: argument > PODIUM_* environment variable > default."""

import math

import pytest

import podium
from podium import config


def test_defaults():
    settings = config.resolve(environ={})
    assert settings == config.Settings()
    assert settings.database_url == "sqlite:///podium.db"
    assert settings.lease_seconds > 0 and settings.poll_interval > 0
    assert settings.max_payload_bytes > 0 and settings.suspend_grace >= 0


def test_environment_beats_default():
    env = {
        "PODIUM_DATABASE_URL": "sqlite:///env.db",
        "PODIUM_LEASE_SECONDS": "9.5",
        "PODIUM_POLL_INTERVAL": "0.5",
        "PODIUM_SUSPEND_GRACE": "0",
        "PODIUM_MAX_PAYLOAD_BYTES": "1000",
    }
    settings = config.resolve(environ=env)
    assert settings == config.Settings("sqlite:///env.db", 9.5, 0.5, 0.0, 1000)


def test_argument_beats_environment():
    env = {"PODIUM_LEASE_SECONDS": "9.5", "PODIUM_DATABASE_URL": "sqlite:///env.db"}
    settings = config.resolve(environ=env, lease_seconds=3, database_url="sqlite:///arg.db")
    assert settings.lease_seconds == 3
    assert settings.database_url == "sqlite:///arg.db"


def test_none_argument_falls_through_and_empty_env_is_unset():
    env = {"PODIUM_LEASE_SECONDS": "", "PODIUM_POLL_INTERVAL": "0.7"}
    settings = config.resolve(environ=env, lease_seconds=None, poll_interval=None)
    assert settings.lease_seconds == config.Settings().lease_seconds
    assert settings.poll_interval == 0.7


def test_app_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PODIUM_SUSPEND_GRACE", "2.5")
    monkeypatch.setenv("PODIUM_LEASE_SECONDS", "8")
    app = podium.App("cfg", lease_seconds=4)
    assert app.settings.suspend_grace == 2.5
    assert app.settings.lease_seconds == 4


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PODIUM_LEASE_SECONDS", "soon"),
        ("PODIUM_POLL_INTERVAL", "1s"),
        ("PODIUM_MAX_PAYLOAD_BYTES", "4.5"),
        ("PODIUM_SUSPEND_GRACE", "nan"),
        ("PODIUM_LEASE_SECONDS", "inf"),
    ],
)
def test_bad_environment_value_names_the_variable(variable: str, value: str):
    with pytest.raises(podium.ConfigurationError) as caught:
        config.resolve(environ={variable: value})
    message = str(caught.value)
    name = variable.removeprefix("PODIUM_").lower()
    assert variable in message or name in message
    assert repr(value) in message or value in message


def test_bad_environment_value_in_app(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PODIUM_POLL_INTERVAL", "fast")
    with pytest.raises(podium.ConfigurationError, match="PODIUM_POLL_INTERVAL='fast'"):
        podium.App("cfg")


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("lease_seconds", 0),
        ("lease_seconds", -1),
        ("poll_interval", "0.1"),
        ("max_payload_bytes", 0),
        ("suspend_grace", -0.5),
        ("suspend_grace", "1"),
        ("lease_seconds", math.nan),
        ("poll_interval", True),
        ("database_url", ""),
    ],
)
def test_bad_argument_names_the_setting(setting: str, value: object):
    with pytest.raises(podium.ConfigurationError, match=setting):
        config.resolve(environ={}, **{setting: value})


def test_unknown_setting_is_refused():
    with pytest.raises(podium.ConfigurationError, match="lease_second"):
        config.resolve(environ={}, lease_second=3)


def test_evolve_validates():
    settings = config.Settings()
    assert settings.evolve(lease_seconds=1).lease_seconds == 1
    with pytest.raises(podium.ConfigurationError, match="lease_seconds"):
        settings.evolve(lease_seconds=-1)


def test_a_database_url_given_as_the_app_name_is_refused_with_the_fix(tmp_path):
    url = f"sqlite:///{tmp_path}/app.db"
    with pytest.raises(podium.ConfigurationError, match=r"database_url=") as caught:
        podium.App(url)
    assert "looks like a database URL" in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # nothing was opened or created
