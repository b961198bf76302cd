"""What request handlers share: the podium App, its feature stores and the server settings."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from fastapi import Request

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
