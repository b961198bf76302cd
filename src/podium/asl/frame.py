"""One state being run (`Frame`), and what a state may ask of the interpreter running it.

The state modules (and the data processing under them) see the interpreter only through the
`Interpreting` protocol, never through `podium.asl.interpreter`: that is what lets the
interpreter dispatch to them through `podium.asl.runners` without importing them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from podium.asl import effects as effects_mod

JSONPATH = "JSONPath"
JSONATA = "JSONata"
ACCOUNT = "arn:aws:states:us-east-1:000000000000"
"""The ARN prefix of every state machine, execution and Map Run."""

Outcome = tuple[Any, str | None]
"""What running a state gives: its output, and the next state (None: the machine ends)."""


class Interpreting(Protocol):
    """The interpreter as a state sees it: its effects, names, and the loop of a (sub)machine."""

    effects: effects_mod.Effects
    machine_name: str
    language: str
    """The machine's top-level QueryLanguage: the default of every state, nested ones too."""

    def context(self, value: Any, execution: str) -> dict[str, Any]:
        """The context object `$$` at the start of an execution."""
        ...

    def run_machine(
        self,
        machine: Mapping[str, Any],
        value: Any,
        context: dict[str, Any],
        variables: dict[str, Any],
        language: str,
    ) -> Any:
        """Run the states of `machine` (the top level or a branch) from StartAt to an end."""
        ...


@dataclasses.dataclass
class Frame:
    """One state being run: where it is, what it got, and the scope it sees."""

    interpreter: Interpreting
    name: str
    state: Mapping[str, Any]
    language: str
    raw: Any
    context: dict[str, Any]
    variables: dict[str, Any]

    @property
    def jsonata(self) -> bool:
        """Whether this state uses JSONata."""
        return self.language == JSONATA

    @property
    def effects(self) -> effects_mod.Effects:
        """The interpreter's side effects."""
        return self.interpreter.effects

    @property
    def following(self) -> str | None:
        """The state's Next, or None when it ends its machine (`"End": true`)."""
        return None if self.state.get("End") else self.state.get("Next")
