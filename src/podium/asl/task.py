"""Task states: the call of the mapped resource under Retry and Catch, and task token waits.

One attempt is input processing, the call (under TimeoutSeconds), then result processing. A
`.waitForTaskToken` Task gets a fresh `$$.Task.Token` per attempt, calls its resource, then
waits for the callback (see podium.asl.tokens); HeartbeatSeconds bounds the silence between
messages and TimeoutSeconds the call and the wait together.
"""

from __future__ import annotations

from typing import Any

from podium.asl import dataflow, datalimit, integrations, limits, recovery, runners, tokens
from podium.asl.frame import Frame, Outcome


@runners.runs("Task")
def task(frame: Frame) -> Outcome:
    """Task: call the mapped resource, with Retry and Catch."""
    return recovery.guarded(frame, task_once)


def task_once(frame: Frame) -> Any:
    """One attempt of a Task: input processing, the call (under its timeout), the result."""
    enter(frame)
    data = dataflow.effective_input(frame)
    timeout = limits.task_seconds(frame, "Timeout")
    result = call(frame, data, timeout)
    datalimit.check_result(frame.state["Resource"], result)
    return dataflow.finish(frame, result)


def enter(frame: Frame) -> None:
    """Give a `.waitForTaskToken` Task attempt its `$$.Task.Token` (recorded: same on replay)."""
    if integrations.is_callback(frame.state.get("Resource", "")):
        execution = str(frame.context.get("Execution", {}).get("Name", ""))
        token = tokens.mint(execution, frame.effects.uuid4())
        frame.context = {**frame.context, "Task": {"Token": token}}


def call(frame: Frame, data: Any, timeout: float | None) -> Any:
    """The Task's result: its resource's, or for a callback Task the callback's output.

    TimeoutSeconds covers the call and the wait together.
    """
    resource = frame.state["Resource"]
    fx = frame.effects
    if not integrations.is_callback(resource):
        return fx.call(resource, data, timeout)
    token = frame.context["Task"]["Token"]
    beat = limits.task_seconds(frame, "Heartbeat")
    if timeout is None:
        fx.call(resource, data, None)
        return fx.wait_for_callback(token, None, beat)
    begin = fx.now()
    fx.call(resource, data, timeout)
    spent = (fx.now() - begin).total_seconds()
    return fx.wait_for_callback(token, timeout - spent, beat)
