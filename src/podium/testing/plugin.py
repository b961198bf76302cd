"""The pytest plugin (entry point `pytest11`): the `podium_env` fixture.

```python
@pytest.fixture
def podium_app():
    return myproject.workflows.app     # the App under test

def test_checkout(podium_env):
    handle = podium_env.start(checkout, order)
    podium_env.run_until_idle()
    assert handle.result() == ...
```

Loading it costs one small import: `podium.testing` is imported when a test asks for the
fixture, not before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from podium.testing.env import TestEnv


@pytest.fixture
def podium_app() -> Any:
    """The App that `podium_env` runs; override it in your conftest.py or test module."""
    raise pytest.UsageError(
        "the podium_env fixture needs a fixture named podium_app that returns your podium.App; "
        "define one in conftest.py"
    )


@pytest.fixture
def podium_env(podium_app: Any) -> Iterator[TestEnv]:
    """A TestEnv (temporary store, fake clock) for the `podium_app` fixture's App."""
    from podium.testing.env import TestEnv

    with TestEnv(podium_app) as env:
        yield env
