"""tests/conformance/test_cancel.py under injected store faults (see conftest.py)."""

from tests.conformance.test_cancel import *  # noqa: F403
