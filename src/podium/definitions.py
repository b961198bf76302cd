"""What a registered workflow or step is, as the engine and the patterns see it.

`@app.workflow` and `@app.step` make `WorkflowDefinition`/`StepDefinition` objects (see
`podium.workflow` and `podium.step`), which carry user-facing verbs and so live above the
engine. The engine, the registry and the patterns only need the facts declared here, as
Protocols, so they can name definitions without importing the layers that make them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from podium.patterns import retry


class StepOptions(Protocol):
    """How a step runs: its retry policy, attempt timeout, compensation and circuit breaker."""

    @property
    def retry(self) -> retry.RetryPolicy | None:
        """Its own retry policy (None: the workflow's or the app's)."""
        ...

    @property
    def timeout(self) -> float | None:
        """Seconds one attempt may run."""
        ...

    @property
    def compensate(self) -> Step | None:
        """The step that undoes it inside a saga."""
        ...

    @property
    def circuit(self) -> str | None:
        """The circuit breaker its calls go through."""
        ...

    @property
    def redact(self) -> tuple[str, ...]:
        """Paths of sensitive values in its result (see podium.redaction)."""
        ...

    @property
    def validate(self) -> bool:
        """Whether its results are checked against its return annotation."""
        ...


class Definition(Protocol):
    """A named function registered with an App: a step or a workflow."""

    @property
    def name(self) -> str:
        """The name recorded in the store (stable across renames of the function)."""
        ...

    @property
    def fn(self) -> Callable[..., Any]:
        """The user's function."""
        ...

    @property
    def is_async(self) -> bool:
        """Whether `fn` is an `async def`."""
        ...


class Step(Definition, Protocol):
    """A registered step: a named function with options."""

    @property
    def options(self) -> StepOptions:
        """How it runs."""
        ...

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call it: checkpointed inside a workflow, a plain call outside."""
        ...

    def check_result(self, value: Any) -> Any:
        """`value` checked against the return annotation (ValidationError if it does not fit)."""
        ...


class WorkflowOptions(Protocol):
    """Defaults for every run of a workflow."""

    @property
    def queue(self) -> str:
        """The queue it starts on unless `start(queue=)` says otherwise."""
        ...

    @property
    def retry(self) -> retry.RetryPolicy | None:
        """The retry policy of its steps that have none of their own."""
        ...

    @property
    def timeout(self) -> float | None:
        """Seconds a run may take from its start (None: no deadline)."""
        ...

    @property
    def on_event(self) -> Sequence[str]:
        """Topic patterns whose events each start one run."""
        ...

    @property
    def redact(self) -> tuple[str, ...]:
        """Paths of sensitive values in its input, output and step results."""
        ...

    @property
    def retention(self) -> float | None:
        """Seconds a finished run is kept before it is purged (None: kept until a purge)."""
        ...


class Workflow(Definition, Protocol):
    """A registered workflow: a named function with options, started by name from the store."""

    @property
    def options(self) -> WorkflowOptions:
        """Its defaults."""
        ...

    @property
    def signature(self) -> inspect.Signature:
        """The signature of `fn`."""
        ...

    @property
    def timeout_error_type(self) -> str:
        """The error type a run past its deadline fails with ("TimeoutError" by default)."""
        ...

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Check that arguments fit the signature; TypeError names the workflow."""
        ...

    def validate(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The arguments checked (and converted) against the type hints."""
        ...

    def parameter_names(self) -> list[str]:
        """Parameter names, for error messages."""
        ...
