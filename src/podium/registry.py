"""Name -> definition maps of one App: its workflows and its steps."""

from __future__ import annotations

from typing import TypeVar

from podium import definitions, errors

D = TypeVar("D", bound=definitions.Definition)


class Registry:
    """What an App knows by name. Names are how the store refers to definitions."""

    def __init__(self) -> None:
        self.workflows: dict[str, definitions.Workflow] = {}
        self.steps: dict[str, definitions.Step] = {}

    def add_workflow(self, definition: definitions.Workflow) -> None:
        """Register a workflow definition under its unique name."""
        _add(self.workflows, "workflow", definition)

    def add_step(self, definition: definitions.Step) -> None:
        """Register a step definition under its unique name."""
        _add(self.steps, "step", definition)

    def workflow(self, name: str) -> definitions.Workflow:
        """Return the workflow called `name`; ConfigurationError lists the known ones."""
        try:
            return self.workflows[name]
        except KeyError:
            known = ", ".join(sorted(self.workflows)) or "none"
            raise errors.ConfigurationError(
                f"no workflow named {name!r} is registered in this app (known: {known}); "
                "check the name or import the module that defines it"
            ) from None


def _add(table: dict[str, D], kind: str, definition: D) -> None:
    """Add `definition` to `table`; the same function again under its name is a no-op."""
    existing = table.get(definition.name)
    if existing is not None and existing.fn is not definition.fn:
        raise errors.ConfigurationError(
            f"two different {kind}s are named {definition.name!r}; "
            f"give one a distinct name with @app.{kind}(name=...)"
        )
    table[definition.name] = definition
