"""The podium HTTP server: JSON API, dashboard, metrics (the `podium[server]` extra).

`create_app(app)` builds the ASGI application; `podium server MODULE:APP` serves it. FastAPI
is imported only when `create_app` is first used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from podium.server.app import create_app

        return create_app
    raise AttributeError(f"module 'podium.server' has no attribute {name!r}")
