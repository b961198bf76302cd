"""tests/conformance/test_child_workflows.py under injected store faults (see conftest.py)."""

from tests.conformance.test_child_workflows import *  # noqa: F403
