"""The registry: what an App knows by name, and which names it refuses."""

from __future__ import annotations

from typing import Any

import pytest

import podium
from podium import errors


def _app(tmp_path: Any) -> podium.App:
    return podium.App("names", database_url=f"sqlite:///{tmp_path / 'names.db'}")


@pytest.mark.parametrize("name", ["a\x00b", "\ud800", 123])
def test_a_name_that_is_not_plain_text_is_refused_at_registration(tmp_path: Any, name: Any):
    """A NUL, a lone surrogate or a non-string cannot be stored and read back as a name."""
    app = _app(tmp_path)
    try:
        with pytest.raises(errors.ConfigurationError, match=r"name=\.\.\. of plain text"):
            app.workflow(name=name)(lambda x: x)
        with pytest.raises(errors.ConfigurationError, match="step name"):
            app.step(name=name)(lambda x: x)
        assert app.registry.workflows == {} and app.registry.steps == {}
    finally:
        app.close()


def test_two_functions_under_one_name_are_refused(tmp_path: Any):
    app = _app(tmp_path)
    try:
        app.workflow(name="same")(lambda x: x)
        with pytest.raises(errors.ConfigurationError, match="two different workflows"):
            app.workflow(name="same")(lambda x: x + 1)
    finally:
        app.close()
