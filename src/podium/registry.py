"""Name -> definition maps of one App: its workflows and its steps."""

from __future__ import annotations

from typing import TypeVar

from podium import definitions, errors, serialization

D = TypeVar("D", bound=definitions.Definition)

INTERNAL_PREFIX = "podium."
"""Names podium registers for itself (`podium.step:*` fan-out runners, `podium.machine:*`
state machines, ...): run by workers, never started from outside (HTTP, CLI)."""


def is_internal(name: str) -> bool:
    """Whether `name` is one of podium's own workflows, not to be started or listed outside."""
    return name.startswith(INTERNAL_PREFIX)


class Registry:
    """What an App knows by name. Names are how the store refers to definitions."""

    def __init__(self) -> None:
        self.workflows: dict[str, definitions.Workflow] = {}
        self.steps: dict[str, definitions.Step] = {}

    def add_workflow(self, definition: definitions.Workflow) -> None:
        """Register a workflow definition under its unique name."""
        _add(self.workflows, "workflow", definition)
        serialization.declare_hints(definition.fn)

    def add_step(self, definition: definitions.Step) -> None:
        """Register a step definition under its unique name."""
        _add(self.steps, "step", definition)
        serialization.declare_hints(definition.fn)

    def workflow(self, name: str) -> definitions.Workflow:
        """Return the workflow called `name`; ConfigurationError lists the known ones."""
        try:
            return self.workflows[name]
        except KeyError:
            raise self._unknown(name) from None

    def exposed(self, name: str) -> definitions.Workflow:
        """The workflow `name` if it may be started from outside (HTTP, CLI).

        Internal names (`podium.step:*`, `podium.machine:*`) are refused as unknown.
        """
        definition = self.workflows.get(name)
        if definition is None or is_internal(name):
            raise self._unknown(name)
        return definition

    def exposed_names(self) -> list[str]:
        """The names of the workflows that may be started from outside, sorted."""
        return sorted(n for n in self.workflows if not is_internal(n))

    def _unknown(self, name: str) -> errors.ConfigurationError:
        known = ", ".join(self.exposed_names()) or "none"
        return errors.ConfigurationError(
            f"no workflow named {name!r} is registered in this app (known: {known}); "
            "check the name or import the module that defines it"
        )


def _add(table: dict[str, D], kind: str, definition: D) -> None:
    """Add `definition` to `table`; the same function again under its name is a no-op."""
    name: object = definition.name
    if not isinstance(name, str) or not name:
        problem: str | None = "must be a non-empty string"
    else:
        problem = serialization.text_problem(name)
    if problem is not None:
        raise errors.ConfigurationError(
            f"{kind} name {definition.name!r} {problem}; give it a name=... of plain text"
        )
    existing = table.get(definition.name)
    if existing is not None and existing.fn is not definition.fn:
        raise errors.ConfigurationError(
            f"two different {kind}s are named {definition.name!r}; "
            f"give one a distinct name with @app.{kind}(name=...)"
        )
    table[definition.name] = definition
