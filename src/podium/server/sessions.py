"""Dashboard sessions: the cookie names a token and is signed, it never holds the token.

After a login the browser keeps `v1.<token id>.<expiry>.<HMAC-SHA256>`; the MAC covers the
token id, the expiry and the token's creation time under the server's session key. A
stolen cookie is useless after its expiry (12 hours) and never reveals the API token; a
revoked or expired token ends its sessions at once (every request looks the token up).

The key is `PODIUM_SESSION_KEY` (any text; give every server process behind one load
balancer the same one) or, without it, random per process: a restart then logs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time

from podium.store import auth

TTL = 12 * 3600
"""How long a dashboard session lasts, in seconds."""
_VERSION = "v1"


def session_key() -> bytes:
    """The key sessions are signed with: from PODIUM_SESSION_KEY, else random."""
    given = os.environ.get("PODIUM_SESSION_KEY")
    if given:
        return hashlib.sha256(given.encode()).digest()
    return secrets.token_bytes(32)


def _mac(key: bytes, token_id: str, expires: int, created_at: float) -> str:
    message = f"{_VERSION}|{token_id}|{expires}|{created_at!r}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def issue(key: bytes, info: auth.TokenInfo, now: float | None = None) -> str:
    """The cookie value of a new session for token `info`."""
    expires = int((time.time() if now is None else now) + TTL)
    return f"{_VERSION}.{info.id}.{expires}.{_mac(key, info.id, expires, info.created_at)}"


def verify(key: bytes, tokens: auth.AuthStore, cookie: str, now: float) -> auth.TokenInfo | None:
    """The active token a session cookie names, or None (forged, expired, revoked)."""
    parts = cookie.split(".") if isinstance(cookie, str) and len(cookie) < 300 else []
    if len(parts) != 4 or parts[0] != _VERSION or not parts[2].isdigit():
        return None
    _, token_id, expiry, mac = parts
    expires = int(expiry)
    if expires <= now:
        return None
    info = tokens.get_token(token_id)
    if info is None or not info.active(now):
        return None
    if not hmac.compare_digest(mac, _mac(key, token_id, expires, info.created_at)):
        return None
    return info
