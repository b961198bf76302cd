"""The 256 KB limit Step Functions puts on the data that goes between states.

An execution's input, each state's input and output, and a Task's result are at most
262144 bytes as UTF-8 JSON; more fails with `States.DataLimitExceeded`. A Task's oversized
result fails the Task (its Retry and Catch apply, as executions recorded against AWS show);
an oversized input or output fails the state it goes into or comes out of.
"""

from __future__ import annotations

import json
from typing import Any

from podium.asl import errors

MAX_BYTES = 262144
"""256 KB: the most bytes of UTF-8 JSON Step Functions passes between states."""


def size(value: Any) -> int:
    """The bytes of `value` as compact UTF-8 JSON."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8", "surrogatepass"))


def over(value: Any) -> int | None:
    """The size of `value` when it is over the limit, else None (cheap for small values)."""
    if value is None or isinstance(value, bool | int | float):
        return None
    # json.dumps' default form (ASCII escapes, spaces after separators) is never shorter than
    # the compact UTF-8 bytes, and its encoder is built once: most values stop here.
    if len(json.dumps(value)) <= MAX_BYTES:
        return None
    found = size(value)
    return found if found > MAX_BYTES else None


def _exceeded(what: str, found: int) -> errors.ASLError:
    return errors.failure(
        errors.DATA_LIMIT,
        f"{what} has a size of {found} bytes, exceeding the maximum number of bytes service "
        f"limit ({MAX_BYTES} bytes of UTF-8 JSON)",
    )


def check_execution_input(value: Any) -> None:
    """An execution input over the limit fails the execution."""
    found = over(value)
    if found is not None:
        raise _exceeded("The execution input", found)


def check_state_input(name: str, value: Any) -> None:
    """The input of state `name` over the limit fails it as it is entered."""
    found = over(value)
    if found is not None:
        raise _exceeded(f"The input of the state '{name}'", found)


def check_state_output(name: str, value: Any) -> None:
    """The output of state `name` over the limit fails it as it is left."""
    found = over(value)
    if found is not None:
        raise _exceeded(f"The output of the state '{name}'", found)


def check_result(resource: str, value: Any) -> None:
    """A Task's result over the limit fails the Task with the cause AWS records."""
    if over(value) is not None:
        raise errors.failure(
            errors.DATA_LIMIT,
            f"The state/task '{resource}' returned a result with a size exceeding the maximum "
            "number of bytes service limit.",
        )
