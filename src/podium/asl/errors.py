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
QUERY = "States.QueryEvaluationError"
NO_CHOICE = "States.NoChoiceMatched"
BRANCH_FAILED = "States.BranchFailed"
TOLERATED = "States.ExceedToleratedFailureThreshold"
ITEM_READER = "States.ItemReaderFailed"
PERMISSIONS = "States.Permissions"

UNCATCHABLE = frozenset({RUNTIME})
"""Errors no Retry or Catch (not even States.ALL) handles: the execution fails."""

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
        "States.DataLimitExceeded",
        "States.ItemReaderFailed",
        "States.ResultWriterFailed",
        "States.Http.Socket",
    }
)


class ASLError(Exception):
    """A state machine error: `error` is its ASL name, `cause` the human text.

    Raised through `failure(error, cause)`, whose class is named after the error so that the
    engine records the ASL name as the workflow's `error_type` and the cause as its message.
    """

    error = "States.TaskFailed"

    def __init__(self, cause: str = "", error: str | None = None) -> None:
        super().__init__(cause)
        if error is not None:
            self.error = error
        self.cause = cause

    def __str__(self) -> str:
        return self.cause

    def __reduce__(self) -> Any:
        return (failure, (self.error, self.cause))


class TaskError(ASLError):
    """Raise from a Task's function to fail it with an ASL error name and cause."""

    def __init__(self, error: str, cause: str = "") -> None:
        super().__init__(cause, error)


_classes: dict[str, type[ASLError]] = {}
_lock = threading.Lock()


def error_class(name: str) -> type[ASLError]:
    """The ASLError subclass whose `__qualname__` is the ASL error `name` (cached)."""
    with _lock:
        cls = _classes.get(name)
        if cls is None:
            cls = type(name, (ASLError,), {"error": name, "__module__": __name__})
            cls.__qualname__ = name
            _classes[name] = cls
        return cls


def failure(error: str, cause: str = "") -> ASLError:
    """An exception for the ASL error `error` with `cause`."""
    return error_class(error)(cause, error)


def from_exception(exc: BaseException) -> tuple[str, str]:
    """The (error, cause) pair Step Functions would report for a Task that raised `exc`."""
    if isinstance(exc, ASLError):
        return exc.error, exc.cause
    if isinstance(exc, errors.StepTimeout):
        return TIMEOUT, str(exc)
    if isinstance(exc, errors.StepFailed):
        return _short(exc.error_type), exc.message
    return _short(type(exc).__qualname__), str(exc)


def _short(qualname: str) -> str:
    """A class's name without the `<locals>` scope a function-local class carries."""
    return qualname.rsplit(".<locals>.", 1)[-1]


def matches(patterns: list[str], error: str) -> bool:
    """Whether a Retrier's or Catcher's ErrorEquals covers `error`."""
    if error in UNCATCHABLE:
        return False
    for pattern in patterns:
        if pattern == error:
            return True
        if pattern == ALL:
            return True
        if pattern == TASK_FAILED and error != TIMEOUT:
            return True
    return False


class DefinitionError(errors.ConfigurationError):
    """An invalid state machine definition; `.diagnostics` lists every problem found."""

    def __init__(self, diagnostics: list[dict[str, str]]) -> None:
        self.diagnostics = diagnostics
        lines = [f"{d['location'] or '/'}: {d['message']} ({d['code']})" for d in diagnostics]
        super().__init__("invalid state machine definition:\n  " + "\n  ".join(lines))
