"""What request handlers share: the podium App, its feature stores and the server settings."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Path, Request

from podium.server.models import NO_NUL
from podium.store import auth, browse

if TYPE_CHECKING:
    from podium.app import App
    from podium.observability.metrics import Metrics


@dataclasses.dataclass
class ServerState:
    """The server's view of one App."""

    app: App
    auth_enabled: bool
    max_body: int
    max_queue_depth: int | None
    metrics: Metrics
    tokens: auth.AuthStore
    browser: browse.Browser
    session_key: bytes = dataclasses.field(default=b"", repr=False)
    """Signs dashboard session cookies (see podium.server.sessions)."""

    def now(self) -> float:
        """The app's clock."""
        return self.app.runtime.clock.time()


def state(request: Request) -> ServerState:
    """The ServerState of the app serving `request`."""
    found: ServerState = request.app.state.podium
    return found


State = Annotated[ServerState, Depends(state)]
"""A route parameter: the ServerState of the app serving the request."""


def name_in_path(description: str) -> Any:
    """A path parameter naming something in the store: 1 to 200 characters, no NUL."""
    return Path(min_length=1, max_length=200, pattern=NO_NUL, description=description)


WorkflowId = Annotated[str, name_in_path("The workflow id")]
"""A path parameter: a workflow id."""
