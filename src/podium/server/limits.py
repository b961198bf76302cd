"""An ASGI middleware that bounds every input: request bodies and query strings (413)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from podium.server import errors, middleware

MAX_QUERY = 8192


class BodyLimit(middleware.HttpMiddleware):
    """Reads each request body up to `max_body` bytes, answering 413 beyond it."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        super().__init__(app)
        self.max_body = max_body

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer and check the body, then hand it to the app."""
        if len(scope.get("query_string", b"")) > MAX_QUERY:
            await _too_large(scope, receive, send, f"the query string is over {MAX_QUERY} bytes")
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await _too_large(
                scope, receive, send, f"the body is over the limit of {self.max_body} bytes"
            )
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _too_large(
                    scope, receive, send, f"the body is over the limit of {self.max_body} bytes"
                )
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(scope: Scope, receive: Receive, send: Send, message: str) -> None:
    """Answer 413 with `message`, closing the connection (the rest of the body is not read)."""
    await errors.response(413, message, connection="close")(scope, receive, send)
