"""`arn:aws:states:::states:startExecution[.sync[:2]]`: another ASL workflow as a child.

StateMachineArn names another state machine registered in the same app with
`app.asl_workflow` (by the name its ARN ends with, alias or version dropped). It starts as a
podium child workflow of the running one on Input (an object, or JSON text; null is {}):

- plain `startExecution` (and `.waitForTaskToken`, which then waits for the callback)
  returns at once `{"ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"}`;
- `.sync:2` waits and returns the DescribeExecution shape (ExecutionArn, Input, InputDetails,
  Name, Output, OutputDetails, StartDate, StateMachineArn, Status, StopDate) with Input and
  Output as JSON; `.sync` the same with them as JSON text;
- a failed (or cancelled) child fails the Task with States.TaskFailed, whose cause is that
  description with the child's Error and Cause, as JSON text.

Dates are epoch milliseconds. Execution names: the Name parameter, else the child's id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

from podium.asl import errors

REGION = "us-east-1"
ACCOUNT = "000000000000"


@dataclasses.dataclass(frozen=True)
class Execution:
    """A started execution of another state machine, and how it ended (if waited for)."""

    id: str
    started: dt.datetime
    stopped: dt.datetime | None = None
    status: str = "RUNNING"
    output: Any = None
    error: str | None = None
    cause: str | None = None


Start = Callable[[str, Any, bool], "Execution | None"]
"""start(state machine name, input, wait): the started execution (ended when `wait`), or None
when the app has no ASL workflow of that name."""


def run(pattern: str, value: Any, start: Start | None) -> Any:
    """`states:startExecution` (`.sync`, `.sync:2`): run another ASL workflow as a child."""
    params = value if isinstance(value, dict) else {}
    arn = params.get("StateMachineArn")
    machine = _machine_name(arn)
    given = _execution_input(params.get("Input"))
    wait = pattern.startswith(".sync")
    execution = start(machine, given, wait) if start and machine else None
    if execution is None or machine is None:
        raise _no_machine(arn, start is None)
    name = params["Name"] if isinstance(params.get("Name"), str) else execution.id
    exec_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{machine}:{name}"
    if not wait:
        return _started(exec_arn, execution.started)
    described = _described(execution, exec_arn, name, arn, given, pattern == ".sync")
    if execution.status == "SUCCEEDED":
        return described
    failed = {"Error": execution.error, "Cause": execution.cause}
    described.update({key: text for key, text in failed.items() if text})
    raise errors.failure(errors.TASK_FAILED, _compact(dict(sorted(described.items()))))


def _described(
    execution: Execution, exec_arn: str, name: str, arn: Any, given: Any, text: bool
) -> dict[str, Any]:
    """DescribeExecution of `execution`; with `text`, its Input and Output as JSON text."""
    described: dict[str, Any] = {
        "ExecutionArn": exec_arn,
        "Input": _compact(given) if text else given,
        "InputDetails": {"Included": True},
        "Name": name,
    }
    if execution.status == "SUCCEEDED":
        output = _compact(execution.output) if text else execution.output
        described.update(Output=output, OutputDetails={"Included": True})
    described.update(
        StartDate=_millis(execution.started),
        StateMachineArn=arn,
        Status=execution.status,
        StopDate=_millis(execution.stopped or execution.started),
    )
    return described


def _machine_name(arn: Any) -> str | None:
    """The state machine name of a StateMachineArn (its alias or version dropped)."""
    if not isinstance(arn, str) or not arn:
        return None
    if not arn.startswith("arn:"):
        return arn
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 and parts[5] == "stateMachine" else None


def _execution_input(value: Any) -> Any:
    """The child's input: an object as is, a string parsed as JSON text, null as {}."""
    if value is None:
        return {}
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise errors.failure(
            "StepFunctions.InvalidExecutionInputException",
            f"Invalid State Machine Execution Input: '{value}' is not valid JSON",
        ) from None


def _no_machine(arn: Any, unsupported: bool) -> errors.ASLError:
    where = " (only a podium workflow can start one)" if unsupported else ""
    return errors.failure(
        "StepFunctions.StateMachineDoesNotExistException",
        f"State Machine Does Not Exist: '{arn}'{where}; register it with app.asl_workflow "
        "under the name its ARN ends with",
    )


def _started(exec_arn: str, started: dt.datetime) -> dict[str, Any]:
    """The StartExecution response (not waiting for the execution)."""
    request = str(uuid.uuid5(uuid.NAMESPACE_URL, f"podium-start:{exec_arn}"))
    length = str(len(_compact({"executionArn": exec_arn, "startDate": started.timestamp()})))
    headers = {
        "x-amzn-RequestId": request,
        "connection": "keep-alive",
        "Content-Length": length,
        "Date": http_date(started),
        "Content-Type": "application/x-amz-json-1.0",
    }
    return {
        "ExecutionArn": exec_arn,
        **sdk_metadata(headers, request),
        "StartDate": _millis(started),
    }


def sdk_metadata(headers: dict[str, str], request: str) -> dict[str, Any]:
    """The SDK's metadata of a successful AWS response: its HTTP headers, its request id."""
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {name: [value] for name, value in headers.items()},
            "HttpHeaders": dict(sorted(headers.items(), key=lambda item: item[0].lower())),
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request},
    }


def http_date(moment: dt.datetime) -> str:
    """`moment` as an HTTP Date header writes it."""
    return moment.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _millis(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
