"""tests/conformance/test_fanout.py under injected store faults (see conftest.py)."""

from tests.conformance.test_fanout import *  # noqa: F403
