"""An ASGI middleware for the browser's threats: security headers, and Host/Origin checks.

Every response carries a Content-Security-Policy (with `frame-ancestors 'none'`),
`X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and `Referrer-Policy: same-origin`
(nothing leaves for other sites; the dashboard's own form posts keep their `Origin`, which
`no-referrer` would turn into "null" and so fail the login's same-origin check).

Without auth (loopback only) the server trusts whoever can reach it, so it must make sure
the caller is not a web page: the `Host` must be a loopback name (a DNS-rebinding page sends
its own host name), and a mutating request (POST, PUT, PATCH, DELETE) that carries an
`Origin` must come from the server's own origin (a cross-site form POST carries the page's).
"""

from __future__ import annotations

import urllib.parse

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from podium.server import errors, middleware

CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Guard(middleware.HttpMiddleware):
    """Adds the security headers; without auth, refuses foreign hosts and cross-site writes."""

    def __init__(self, app: ASGIApp, *, check_origin: bool, hosts: frozenset[str] = LOOPBACK):
        super().__init__(app)
        self.check_origin = check_origin
        self.hosts = hosts

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request when needed, and add the headers to its response."""

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        problem = self._problem(scope) if self.check_origin else None
        if problem is not None:
            await errors.response(403, problem)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _problem(self, scope: Scope) -> str | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if _hostname(host) not in self.hosts:
            return f"the Host {host!r} is not served here (only {', '.join(sorted(self.hosts))})"
        if scope.get("method", "GET") not in MUTATING:
            return None
        if headers.get("sec-fetch-site") == "cross-site":
            return "cross-site requests may not change anything"
        origin = headers.get("origin")
        if origin is None:
            return None
        parsed = urllib.parse.urlsplit(origin)
        if origin == "null" or parsed.netloc.lower() != host.lower():
            return f"the Origin {origin!r} may not change anything on this server"
        return None


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0].lower()
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower()
