"""Name -> definition maps of one App (workflows, steps, circuit breakers)."""

from __future__ import annotations

from typing import Any

from podium import errors


class Registry:
    """What an App knows by name. Names are how the store refers to definitions."""

    def __init__(self) -> None:
        self.workflows: dict[str, Any] = {}
        self.steps: dict[str, Any] = {}
        self.breakers: dict[str, Any] = {}

    def add_workflow(self, definition: Any) -> None:
        """Register a workflow definition under its unique name."""
        self._add(self.workflows, "workflow", definition)

    def add_step(self, definition: Any) -> None:
        """Register a step definition under its unique name."""
        self._add(self.steps, "step", definition)

    def workflow(self, name: str) -> Any:
        """Return the workflow called `name`; ConfigurationError lists the known ones."""
        try:
            return self.workflows[name]
        except KeyError:
            known = ", ".join(sorted(self.workflows)) or "none"
            raise errors.ConfigurationError(
                f"no workflow named {name!r} is registered in this app (known: {known}); "
                "check the name or import the module that defines it"
            ) from None

    @staticmethod
    def _add(table: dict[str, Any], kind: str, definition: Any) -> None:
        existing = table.get(definition.name)
        if existing is not None and existing.fn is not definition.fn:
            raise errors.ConfigurationError(
                f"two different {kind}s are named {definition.name!r}; "
                f"give one a distinct name with @app.{kind}(name=...)"
            )
        table[definition.name] = definition
