"""tests/conformance/test_messages.py under injected store faults (see conftest.py)."""

from tests.conformance.test_messages import *  # noqa: F403
