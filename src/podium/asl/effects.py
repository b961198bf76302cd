"""Everything nondeterministic an interpreter does, behind one interface.

Inside a podium workflow these go through podium's recorded helpers and steps, so a replay
sees the same values; `LocalEffects` runs them plainly (test_state, the CLI without a store).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from podium.asl import integrations, plain, tokens

Resource = Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class ItemOutcome:
    """How one child execution of a DISTRIBUTED Map ended: its output, or its error."""

    output: Any = None
    error: str | None = None
    """The error name; None when the execution succeeded or failed without one."""
    cause: str = ""
    failed: bool = False
    """Whether the child execution failed."""


class Effects(Protocol):
    """Side effects of running a state machine."""

    def uuid4(self) -> str:
        """A random UUID string."""
        ...

    def random(self) -> float:
        """A float in [0, 1)."""
        ...

    def now(self) -> dt.datetime:
        """The current UTC time."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait (durably inside a workflow)."""
        ...

    def call(self, resource: str, payload: Any, timeout: float | None) -> Any:
        """Run the Task resource `resource` on `payload`; return its result."""
        ...

    def wait_for_callback(self, token: str, timeout: float | None, heartbeat: float | None) -> Any:
        """Wait for the callback of task token `token` (see podium.asl.tokens)."""
        ...

    def run_children(
        self, processor: Mapping[str, Any], inputs: list[Any], language: str, limit: int
    ) -> list[ItemOutcome] | None:
        """Run a DISTRIBUTED Map's `processor` on every input as child executions.

        At most `limit` at once (0: no limit); the outcomes in input order, or None when
        these effects have no child executions (the interpreter then runs the items itself).
        """
        ...


class LocalEffects(plain.PlainEffects):
    """Effects run directly in this process (no durability)."""

    def __init__(self, resources: Mapping[str, Resource] | None = None) -> None:
        self.resources = dict(resources or {})
        self.callbacks: dict[str, list[dict[str, Any]]] = {}
        """Callback messages per task token, sent with `send_task_success` and the like."""

    def call(self, resource: str, payload: Any, timeout: float | None) -> Any:
        """Call the mapped function (see podium.asl.integrations)."""
        return integrations.perform(resource, payload, timeout, self.resources, self._run)

    def _run(self, key: str, payload: Any, timeout: float | None, invoke: bool) -> Any:
        fn = self.resources[key]
        if invoke:
            fn = integrations.invoker(fn, self.uuid4, self.now)
        return fn(payload)

    def wait_for_callback(self, token: str, timeout: float | None, heartbeat: float | None) -> Any:
        """The callback already sent for `token`.

        Nothing can call back while this process waits, so no callback means a timeout.
        """
        pending = self.callbacks.setdefault(token, [])

        def receive(window: float | None) -> dict[str, Any] | None:
            return pending.pop(0) if pending else None

        return tokens.wait(receive, timeout, heartbeat, lambda: 0.0)

    def send_task_success(self, token: str, output: Any) -> None:
        """Call back the Task holding `token` with its result."""
        self.callbacks.setdefault(token, []).append(tokens.success(output))

    def send_task_failure(self, token: str, error: str = "", cause: str = "") -> None:
        """Fail the Task holding `token` with `error` and `cause`."""
        self.callbacks.setdefault(token, []).append(tokens.failure(error, cause))

    def send_task_heartbeat(self, token: str) -> None:
        """Report that the work of the Task holding `token` goes on."""
        self.callbacks.setdefault(token, []).append(tokens.heartbeat())

    def run_children(
        self, processor: Mapping[str, Any], inputs: list[Any], language: str, limit: int
    ) -> list[ItemOutcome] | None:
        """No child executions here: the interpreter runs the items in this process."""
        return None


def timestamp(moment: dt.datetime) -> str:
    """ISO 8601 with milliseconds and Z, as Step Functions writes times."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
