"""Fixtures shared by every test layer."""

import pytest

from podium import config


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep PODIUM_* settings of the calling shell out of tests; a test sets what it needs."""
    for variable, _kind in config._ENV.values():
        monkeypatch.delenv(variable, raising=False)
