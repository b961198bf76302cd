"""Amazon States Language (AWS Step Functions) state machines, run as podium workflows.

`app.asl_workflow(name, definition, resources)` registers one; `validate(definition)` lists
its problems; `test_state(state, input, mock=...)` runs one state like TestState does.
`app.send_task_success(token, output)` and friends call back `.waitForTaskToken` Tasks.
"""

# Each state module fills the state-runner table (podium.asl.runners) as it is imported.
from podium.asl import branches, flow, simple, task  # noqa: F401
from podium.asl.errors import ASLError, DefinitionError, TaskError
from podium.asl.testing import test_state
from podium.asl.tokens import InvalidToken, TaskTimedOut, TaskTokenError
from podium.asl.validation import validate

__all__ = [
    "ASLError",
    "DefinitionError",
    "InvalidToken",
    "TaskError",
    "TaskTimedOut",
    "TaskTokenError",
    "test_state",
    "validate",
]
