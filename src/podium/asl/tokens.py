"""Task tokens: the callback pattern of `.waitForTaskToken` Tasks.

Such a Task gets a token in `$$.Task.Token` (`$states.context.Task.Token`), calls its base
integration with the filled Parameters (which usually pass the token on), then waits until
someone calls `app.send_task_success(token, output)` (the output is the Task's result),
`app.send_task_failure(token, error=, cause=)` (the Task fails with that error) or sends
heartbeats with `app.send_task_heartbeat(token)`.

The token names the workflow and a recorded UUID, unique per execution and Task attempt, so
a replay mints the same one. The callback is a podium message to that workflow on the topic
the token names (`podium.receive`), so the workflow is unloaded while it waits and every
callback is delivered exactly once; the first success or failure of a token wins. The wait
is bounded by TimeoutSeconds (whole Task, States.Timeout) and, between heartbeats, by
HeartbeatSeconds (States.HeartbeatTimeout).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from podium import errors as podium_errors
from podium.asl import errors
from podium.patterns import messages

if TYPE_CHECKING:
    from podium.engine.runtime import Runtime

TOPIC_PREFIX = "asl.task-token."
SUCCESS, FAILURE, HEARTBEAT = "success", "failure", "heartbeat"
_UNIQUE = re.compile(r"^[0-9a-f]{32}$")


class TaskTokenError(podium_errors.PodiumError):
    """A task token callback that cannot be delivered."""


class InvalidToken(TaskTokenError):
    """The token is not a podium task token, or names no workflow (AWS: InvalidToken)."""


class TaskTimedOut(TaskTokenError):
    """The token's workflow has already ended (AWS: TaskTimedOut)."""


def mint(workflow_id: str, unique: str) -> str:
    """The task token of one Task attempt of `workflow_id`; `unique` is a recorded UUID."""
    text = f"{_hex(unique)}:{workflow_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _hex(unique: str) -> str:
    return unique.replace("-", "").lower()


def parse(token: Any) -> tuple[str, str] | None:
    """(workflow id, message topic) of a podium task token, or None if it is not one."""
    if not isinstance(token, str) or not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    unique, _, workflow_id = text.partition(":")
    if not _UNIQUE.match(unique) or not workflow_id:
        return None
    return workflow_id, TOPIC_PREFIX + unique


def topic(token: str) -> str:
    """The message topic the Task holding `token` receives its callback on."""
    parsed = parse(token)
    if parsed is None:
        raise InvalidToken(f"Invalid Token: {token!r} is not a podium task token")
    return parsed[1]


# -- callback messages -----------------------------------------------------------------------


def success(output: Any) -> dict[str, Any]:
    """The message of SendTaskSuccess."""
    return {"kind": SUCCESS, "output": output}


def failure(error: str | None = None, cause: str | None = None) -> dict[str, Any]:
    """The message of SendTaskFailure."""
    return {"kind": FAILURE, "error": error or "", "cause": cause or ""}


def heartbeat() -> dict[str, Any]:
    """The message of SendTaskHeartbeat."""
    return {"kind": HEARTBEAT}


def outcome(message: dict[str, Any]) -> Any:
    """The Task result a success message carries; a failure message raises its error."""
    if message.get("kind") == FAILURE:
        raise errors.failure(str(message.get("error", "")), str(message.get("cause", "")))
    return message.get("output")


Receive = Callable[[float | None], dict[str, Any] | None]
"""receive(timeout): the next callback message of the token, or None after `timeout` s."""


def wait(
    receive: Receive, timeout: float | None, heartbeat: float | None, elapsed: Callable[[], float]
) -> Any:
    """Wait for the callback: return its output, or raise its failure or the timeout.

    States.Timeout past `timeout` seconds in all, States.HeartbeatTimeout past `heartbeat`
    seconds without a message. `elapsed()` gives the (recorded) seconds since the wait began;
    it is only asked when a heartbeat arrives and a timeout is set.
    """
    left = timeout
    while True:
        if left is not None and left <= 0:
            raise errors.failure(errors.TIMEOUT)
        window = left if heartbeat is None else heartbeat if left is None else min(left, heartbeat)
        message = receive(window)
        if message is None:
            beat = heartbeat is not None and (left is None or heartbeat < left)
            raise errors.failure(errors.HEARTBEAT if beat else errors.TIMEOUT)
        if message.get("kind") != HEARTBEAT:
            return outcome(message)
        if timeout is not None:
            left = timeout - elapsed()


# -- sending callbacks (app.send_task_*) -----------------------------------------------------


def send(rt: Runtime, token: str, message: dict[str, Any]) -> None:
    """Deliver a callback `message` to the workflow waiting on `token`."""
    workflow_id, name = _route(rt, token)
    ident = None if message["kind"] == HEARTBEAT else f"{name}.outcome"
    messages.send(rt, workflow_id, name, message, id=ident)


def _route(rt: Runtime, token: str) -> tuple[str, str]:
    parsed = parse(token)
    if parsed is None:
        raise InvalidToken(f"Invalid Token: {token!r} is not a podium task token")
    workflow_id, name = parsed
    record = rt.store.get_workflow(workflow_id)
    if record is None:
        raise InvalidToken(
            f"Invalid Token: task token {token!r} names workflow {workflow_id!r}, which does "
            "not exist in this app's store"
        )
    if record.status in ("completed", "failed", "cancelled"):
        raise TaskTimedOut(
            f"Task Timed Out: 'Provided task does not exist anymore' (task token {token!r}; "
            f"workflow {workflow_id!r} is {record.status})"
        )
    return workflow_id, name
