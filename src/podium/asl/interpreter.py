"""Runs a validated state machine: the state loop, the context object and the variables.

The interpreter is deterministic given its `Effects` (time, randomness, Task calls, waits),
which is what makes it durable inside a podium workflow: a replay re-runs it from the top and
every effect replays from history. Each state runs through the state-runner table
(podium.asl.runners), which the state modules fill: this module imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from podium.asl import datalimit, runners
from podium.asl import effects as effects_mod
from podium.asl.frame import ACCOUNT, JSONPATH, Frame

__all__ = ["JSONPATH", "Interpreter"]
"""JSONPATH too: the default query language, which podium.asl.workflow reads from here."""


class Interpreter:
    """Executes state machines with the given effects."""

    def __init__(
        self,
        effects: effects_mod.Effects,
        machine_name: str = "StateMachine",
        on_enter: Callable[[str], None] | None = None,
    ) -> None:
        self.effects = effects
        self.machine_name = machine_name
        self.on_enter = on_enter
        """Called with the name of each top-level state as it is entered (for tracing)."""
        self._top: Mapping[str, Any] | None = None
        self.language = JSONPATH
        """The machine's top-level QueryLanguage: the default of every state, nested ones too."""

    def execute(self, definition: Mapping[str, Any], value: Any, execution: str) -> Any:
        """Run `definition` on input `value` as the execution named `execution`."""
        self._top = definition
        self.language = definition.get("QueryLanguage", JSONPATH)
        datalimit.check_execution_input(value)
        context = self.context(value, execution)
        return self.run_machine(definition, value, context, {}, self.language)

    def context(self, value: Any, execution: str) -> dict[str, Any]:
        """The context object `$$` at the start of an execution."""
        machine = f"{ACCOUNT}:stateMachine:{self.machine_name}"
        return {
            "Execution": {
                "Id": f"{ACCOUNT}:execution:{self.machine_name}:{execution}",
                "Input": value,
                "Name": execution,
                "RoleArn": "arn:aws:iam::000000000000:role/podium",
                "StartTime": effects_mod.timestamp(self.effects.now()),
                "RedriveCount": 0,
            },
            "StateMachine": {"Id": machine, "Name": self.machine_name},
            "State": {},
        }

    def run_machine(
        self,
        machine: Mapping[str, Any],
        value: Any,
        context: dict[str, Any],
        variables: dict[str, Any],
        language: str,
    ) -> Any:
        """Run the states of `machine` (the top level or a branch) from StartAt to an end."""
        language = machine.get("QueryLanguage", language)
        name: str = machine["StartAt"]
        observe = self.on_enter if machine is self._top else None
        datalimit.check_state_input(name, value)
        while True:
            state = machine["States"][name]
            if observe is not None:
                observe(name)
            frame = Frame(
                self,
                name,
                state,
                state.get("QueryLanguage", language),
                value,
                _enter(context, name, self.effects, state),
                variables,
            )
            entered = value
            value, following = runners.run(frame)
            if value is not entered:  # an input passed on as it is was checked already
                datalimit.check_state_output(name, value)
            if following is None:
                return value
            name = following


def _enter(
    context: dict[str, Any], name: str, effects: effects_mod.Effects, state: Mapping[str, Any]
) -> dict[str, Any]:
    """The context object inside state `name` (EnteredTime only when the state may read it)."""
    entered = context.get("State", {}).get("EnteredTime", "")
    if _reads_context(state):
        entered = effects_mod.timestamp(effects.now())
    out = dict(context)
    out["State"] = {"EnteredTime": entered, "Name": name}
    if state.get("Type") in _RETRYING:
        out["State"]["RetryCount"] = 0
    return out


_RETRYING = frozenset({"Task", "Parallel", "Map"})
"""The state types whose `$$.State` has a RetryCount (the others cannot retry)."""


def _reads_context(state: Mapping[str, Any]) -> bool:
    cached = _CONTEXT_USE.get(id(state))
    if cached is None or cached[0] is not state:
        text = repr({k: v for k, v in state.items() if k not in ("Branches", "ItemProcessor")})
        cached = (state, "$$" in text or "$states.context" in text)
        _CONTEXT_USE[id(state)] = cached
    return cached[1]


_CONTEXT_USE: dict[int, tuple[Mapping[str, Any], bool]] = {}
