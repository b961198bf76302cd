"""AWS service integrations of Task states: which mapped resource a Task calls, and how.

A Task's Resource is either a key of `resources` (called with the effective input, its
return value is the result) or a Step Functions service integration:

- `arn:aws:states:::lambda:invoke` (optimized Lambda): Parameters/Arguments name the function
  in `FunctionName` (a name, a partial or full ARN, maybe with an `:alias` or `:version`),
  found among the resources by the exact string, the ARN without its qualifier, or the bare
  function name. The function gets `Payload`; the result is the Invoke response AWS gives,
  `{"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}`.
  An exception fails the Task with its class name as the error and, as a Lambda function
  error, the JSON `{"errorMessage", "errorType", "requestId", "stackTrace"}` as the cause
  (a TaskError keeps its own error and cause).
- `<integration>.waitForTaskToken`: see podium.asl.task and podium.asl.tokens; the base
  integration is called as here, then the Task waits for the callback.
- `<integration>.sync` / `.sync:2` of a mapped resource: calls it (the call is synchronous).
- `arn:aws:states:::states:startExecution[.sync[:2]]`: see podium.asl.executions.

A Resource that is mapped exactly always wins, so `resources={"arn:aws:states:::lambda:invoke":
fn}` still hands `fn` the whole Parameters as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import re
import traceback
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from podium.asl import errors, executions, jsonata

LAMBDA_INVOKE = "lambda:invoke"
START_EXECUTION = "states:startExecution"
CALLBACK = ".waitForTaskToken"
REGION = "us-east-1"
ACCOUNT = "000000000000"

_SERVICE = re.compile(
    r"^arn:aws[\w-]*:states:[^:]*:[^:]*:(?P<service>[\w-]+):(?P<api>[^.]+?)"
    r"(?P<pattern>\.sync(?::2)?|\.waitForTaskToken)?$"
)
_FUNCTION = re.compile(
    r"^(?:(?P<arn>arn:aws[\w-]*:lambda:[^:]*:\d*:function:)|(?P<partial>\d{12}:function:))?"
    r"(?P<name>[\w-]+)(?::(?P<qualifier>[\w$-]+))?$"
)


@dataclasses.dataclass(frozen=True)
class Integration:
    """A parsed `arn:aws:states:::service:api[.pattern]` Resource."""

    service: str
    api: str
    pattern: str
    """"", ".sync", ".sync:2" or ".waitForTaskToken"."""
    base: str
    """The Resource without its pattern."""

    @property
    def name(self) -> str:
        """`service:api`, e.g. `lambda:invoke`."""
        return f"{self.service}:{self.api}"


def parse(resource: str) -> Integration | None:
    """The service integration `resource` names, or None for a plain resource."""
    match = _SERVICE.match(resource)
    if match is None:
        return None
    pattern = match["pattern"] or ""
    base = resource[: len(resource) - len(pattern)]
    return Integration(match["service"], match["api"], pattern, base)


def is_callback(resource: str) -> bool:
    """Whether the Task waits for a task token callback (`.waitForTaskToken`)."""
    return resource.endswith(CALLBACK) and parse(resource) is not None


# -- finding the function ------------------------------------------------------------------


def _function(text: str) -> tuple[str, str, str | None] | None:
    """(unqualified form, bare name, qualifier) of a Lambda function reference."""
    match = _FUNCTION.match(text)
    if match is None:
        return None
    prefix = match["arn"] or match["partial"] or ""
    return prefix + match["name"], match["name"], match["qualifier"]


def function_key(function: Any, keys: Collection[str]) -> str | None:
    """The resource key `FunctionName` = `function` refers to, or None.

    Tried in order: the exact string, its ARN without qualifier, the bare name, and then any
    key that is a reference to a function of that name (e.g. an ARN of another account).
    """
    if not isinstance(function, str):
        return None
    if function in keys:
        return function
    parts = _function(function)
    if parts is None:
        return None
    unqualified, name, qualifier = parts
    for candidate in (unqualified, name):
        if candidate in keys:
            return candidate
    for key in keys:
        other = _function(key)
        if other is not None and other[1] == name and other[2] in (None, qualifier):
            return key
    return None


def function_arn(function: str) -> str:
    """The full ARN AWS reports for `function` (a name or a partial ARN)."""
    if function.startswith("arn:"):
        return function
    parts = _function(function)
    name = parts[1] if parts else function
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def not_found(function: Any) -> errors.ASLError:
    """The failure of a lambda:invoke whose FunctionName is not mapped (AWS's 404)."""
    arn = function_arn(function) if isinstance(function, str) else json.dumps(function)
    request = uuid.uuid5(uuid.NAMESPACE_URL, f"lambda-not-found:{arn}")
    return errors.failure(
        "Lambda.ResourceNotFoundException",
        f"Function not found: {arn} (Service: AWSLambda; Status Code: 404; Error Code: "
        f"ResourceNotFoundException; Request ID: {request}; Proxy: null)",
    )


# -- running a Task's service call -----------------------------------------------------------

Run = Callable[[str, Any, float | None, bool], Any]
"""run(resource key, payload, timeout, lambda_invoke): call the mapped resource; with
`lambda_invoke` wrapped by `invoker` so that it returns the Invoke response."""


def perform(
    resource: str,
    value: Any,
    timeout: float | None,
    keys: Collection[str],
    run: Run,
    start: executions.Start | None = None,
) -> Any:
    """Run the Task Resource `resource` on its effective input `value`.

    `start` starts another state machine of the app (None where there is none to start).
    """
    if resource in keys:
        return run(resource, value, timeout, False)
    spec = parse(resource)
    if spec is not None and spec.name == LAMBDA_INVOKE and spec.base not in keys:
        function = value.get("FunctionName") if isinstance(value, dict) else None
        key = function_key(function, keys)
        if key is None:
            raise not_found(function)
        return run(key, value.get("Payload"), timeout, True)
    if spec is not None and spec.base in keys:
        return run(spec.base, value, timeout, False)
    if spec is not None and spec.name == START_EXECUTION:
        return executions.run(spec.pattern, value, start)
    raise errors.failure(errors.TASK_FAILED, f"resource {resource!r} is not mapped")


def invoker(
    fn: Callable[[Any], Any], ids: Callable[[], str], clock: Callable[[], dt.datetime]
) -> Callable[[Any], Any]:
    """`fn` as an invoked Lambda function: it returns the Invoke response, fails as Lambda does."""
    if inspect.iscoroutinefunction(fn):

        async def invoke_async(event: Any) -> Any:
            request = ids()
            try:
                result = await fn(event)
            except Exception as exc:
                raise function_error(exc, request) from exc
            return response(result, request, clock())

        return invoke_async

    def invoke(event: Any) -> Any:
        request = ids()
        try:
            result = fn(event)
        except Exception as exc:
            raise function_error(exc, request) from exc
        return response(result, request, clock())

    return invoke


def response(result: Any, request: str, moment: dt.datetime) -> dict[str, Any]:
    """The result of an optimized lambda:invoke Task: the Invoke response around `result`."""
    body = json.dumps(result, separators=(",", ":"), default=str)
    trace = f"Root=1-{int(moment.timestamp()):08x}-{uuid.UUID(request).hex[:24]};Sampled=0"
    headers = {
        "X-Amz-Executed-Version": "$LATEST",
        "x-amzn-Remapped-Content-Length": "0",
        "Connection": "keep-alive",
        "x-amzn-RequestId": request,
        "Content-Length": str(len(body.encode())),
        "Date": executions.http_date(moment),
        "X-Amzn-Trace-Id": trace,
        "Content-Type": "application/json",
    }
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": result,
        **executions.sdk_metadata(headers, request),
        "StatusCode": 200,
    }


def function_error(exc: Exception, request: str) -> errors.ASLError:
    """The Task failure of a function that raised `exc`, as Lambda reports it.

    The error is the exception's class name; the cause is the function error payload as a
    compact JSON string. A TaskError (or other ASL error) keeps its own name and cause.
    """
    if isinstance(exc, errors.ASLError):
        return exc
    name = type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)[1:]
    cause = {
        "errorMessage": str(exc),
        "errorType": name,
        "requestId": request,
        "stackTrace": traceback.format_list(frames),
    }
    return errors.failure(name, json.dumps(cause, separators=(",", ":")))


# -- what a definition needs mapped ----------------------------------------------------------


def unmapped(machine: Mapping[str, Any], keys: Collection[str]) -> list[dict[str, str]]:
    """Diagnostics for every Task whose resource (or static FunctionName) is not mapped."""
    return [problem for state, where in tasks(machine) for problem in _check(state, where, keys)]


def tasks(machine: Mapping[str, Any], at: str = "") -> Iterator[tuple[Mapping[str, Any], str]]:
    """Every Task state with its JSON pointer, in branches and item processors too."""
    for name, state in machine.get("States", {}).items():
        where = f"{at}/States/{name.replace('~', '~0').replace('/', '~1')}"
        if state.get("Type") == "Task":
            yield state, where
        for index, branch in enumerate(state.get("Branches", [])):
            yield from tasks(branch, f"{where}/Branches/{index}")
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from tasks(state[key], f"{where}/{key}")


def _check(state: Mapping[str, Any], where: str, keys: Collection[str]) -> Iterator[dict[str, str]]:
    resource = state.get("Resource", "")
    if resource in keys:
        return
    spec = parse(resource)
    if spec is None or (spec.name != LAMBDA_INVOKE and spec.base not in keys):
        if spec is None or spec.name != START_EXECUTION:
            yield _diag(
                "UNMAPPED_RESOURCE",
                f"{where}/Resource",
                f"Task resource {resource!r} is not mapped; pass it in resources={{...}} as a "
                "step or function",
            )
        return
    if spec.name == LAMBDA_INVOKE and spec.base not in keys:
        yield from _check_function(state, where, keys)


def _check_function(
    state: Mapping[str, Any], where: str, keys: Collection[str]
) -> Iterator[dict[str, str]]:
    """A lambda:invoke Task needs FunctionName; a static one must be mapped."""
    field = "Arguments" if "Arguments" in state else "Parameters"
    template = state.get(field, {})
    if not isinstance(template, Mapping):
        return  # a JSONata expression: checked when it runs
    if "FunctionName.$" in template:
        return
    if "FunctionName" not in template:
        yield _diag(
            "MISSING_FIELD",
            f"{where}/{field}",
            "a lambda:invoke Task needs FunctionName in its " + field,
        )
        return
    function = template["FunctionName"]
    if jsonata.is_expression(function) or function_key(function, keys) is not None:
        return
    yield _diag(
        "UNMAPPED_FUNCTION",
        f"{where}/{field}/FunctionName",
        f"lambda:invoke FunctionName {function!r} is not mapped; pass "
        f"resources={{{function_arn(str(function))!r}: fn}} (or the bare function name)",
    )


def _diag(code: str, location: str, message: str) -> dict[str, str]:
    return {"code": code, "location": location, "message": message, "severity": "error"}
