"""ASL errors: runtime failures named like Step Functions names them, and definition errors."""

from __future__ import annotations

import threading
from typing import Any

from podium import errors

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
RUNTIME = "States.Runtime"
TIMEOUT = "States.Timeout"
HEARTBEAT = "States.HeartbeatTimeout"
RESULT_PATH = "States.ResultPathMatchFailure"
PARAMETER_PATH = "States.ParameterPathFailure"
INTRINSIC = "States.IntrinsicFailure"
NO_CHOICE = "States.NoChoiceMatched"
"""These three names are reserved: AWS reports such failures as States.Runtime, and so do we."""
QUERY = "States.QueryEvaluationError"
BRANCH_FAILED = "States.BranchFailed"
TOLERATED = "States.ExceedToleratedFailureThreshold"
ITEM_READER = "States.ItemReaderFailed"
PERMISSIONS = "States.Permissions"

DATA_LIMIT = "States.DataLimitExceeded"

UNCATCHABLE = frozenset({RUNTIME})
"""Terminal errors: no Retrier or Catcher handles them, not even States.ALL. AWS documents
States.DataLimitExceeded as terminal too, but executions recorded against AWS show a Task's
oversized result caught both by a `States.DataLimitExceeded` Catcher and by `States.ALL`."""

PREDEFINED = frozenset(
    {
        ALL,
        TASK_FAILED,
        RUNTIME,
        TIMEOUT,
        HEARTBEAT,
        RESULT_PATH,
        PARAMETER_PATH,
        INTRINSIC,
        QUERY,
        NO_CHOICE,
        BRANCH_FAILED,
        TOLERATED,
        ITEM_READER,
        PERMISSIONS,
        DATA_LIMIT,
        "States.ResultWriterFailed",
        "States.Http.Socket",
    }
)

NAMES_MODULE = "podium.asl.names"
"""The `__module__` of the per-name error classes. No such module exists, so when the engine
rebuilds a recorded step failure it cannot find the class and replays it as `StepFailed`
carrying the ASL name and cause, which `from_exception` reads back unchanged."""


class ASLError(Exception):
    """A state machine error: `error` is its ASL name, `cause` the human text.

    Raised through `failure(error, cause)`, whose class is named after the error so that the
    engine records the ASL name as the workflow's `error_type` and the cause as its message.
    `error` is None when it is unset, as a Fail state without Error leaves it (the engine,
    whose error names are strings, records it as ""); an unset cause is "".
    """

    error: str | None = TASK_FAILED

    def __init__(self, cause: str = "", error: str | None = TASK_FAILED) -> None:
        super().__init__(cause)
        self.error = error
        self.cause = cause

    def __str__(self) -> str:
        return self.cause

    def __reduce__(self) -> Any:
        return (failure, (self.error, self.cause))


class TaskError(ASLError):
    """Raise from a Task's function to fail it with an ASL error name and cause.

    `TaskError("Declined", "card declined")` is an instance of the class named "Declined"
    (a subclass of TaskError), so the error name survives podium's step history.
    """

    def __new__(cls, error: str | None, cause: str = "") -> TaskError:
        """An instance of the class named after `error`."""
        target = error_class(error) if cls is TaskError else cls
        return super().__new__(target, cause)

    def __init__(self, error: str | None, cause: str = "") -> None:
        super().__init__(cause, error)


_classes: dict[str, type[TaskError]] = {}
_lock = threading.Lock()


def error_class(name: str | None) -> type[TaskError]:
    """The TaskError subclass whose `__qualname__` is the ASL error `name` (cached).

    An unset name (None) has the class named "": the engine records it as an empty name.
    """
    name = name or ""
    with _lock:
        cls = _classes.get(name)
        if cls is None:
            cls = type(name or "Error", (TaskError,), {"error": name, "__module__": NAMES_MODULE})
            cls.__qualname__ = name
            _classes[name] = cls
        return cls


def failure(error: str | None, cause: str = "") -> ASLError:
    """An exception for the ASL error `error` (None: unset) with `cause`."""
    return error_class(error)(error, cause)


def from_exception(exc: BaseException) -> tuple[str | None, str]:
    """The (error, cause) pair Step Functions would report for a Task that raised `exc`.

    An ASL error keeps its name; a step timeout is States.Timeout with an empty cause (AWS
    gives a timed-out task no cause); any other exception is named by its class and its
    message is the cause, as a Lambda function's unhandled exception is. An error left unset
    (a Fail state without Error) is None; replayed from the engine (which records "") too.
    """
    if isinstance(exc, ASLError):
        return exc.error, exc.cause
    if isinstance(exc, errors.StepTimeout):
        return TIMEOUT, ""
    if isinstance(exc, errors.StepFailed):
        if exc.error_type == "StepTimeout":
            return TIMEOUT, ""
        if exc.error_type == "":
            return None, exc.message
        return _short(exc.error_type), exc.message
    return _short(type(exc).__qualname__), str(exc)


def _short(qualname: str) -> str:
    """A class's name without the `<locals>` scope a function-local class carries."""
    return qualname.rsplit(".<locals>.", 1)[-1]


def matches(patterns: list[str], error: str | None) -> bool:
    """Whether a Retrier's or Catcher's ErrorEquals covers `error`.

    States.ALL covers every error but States.Runtime; States.TaskFailed covers itself and
    every error name a Task's code can raise (names outside the `States.` namespace), so not
    States.Timeout nor the other predefined errors. An unset error (None) only States.ALL.
    """
    if error in UNCATCHABLE:
        return False
    for pattern in patterns:
        if pattern in (error, ALL):
            return True
        if pattern == TASK_FAILED and error is not None and not error.startswith("States."):
            return True
    return False


class DefinitionError(errors.ConfigurationError):
    """An invalid state machine definition; `.diagnostics` lists every problem found."""

    def __init__(self, diagnostics: list[dict[str, str]]) -> None:
        self.diagnostics = diagnostics
        lines = [f"{d['location'] or '/'}: {d['message']} ({d['code']})" for d in diagnostics]
        super().__init__("invalid state machine definition:\n  " + "\n  ".join(lines))
