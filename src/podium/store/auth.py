"""Access control state: API tokens (only a hash of each secret is kept) and the audit log.

A token reads `pod_<id>_<secret>`: the id finds the row, the secret's SHA-256 is compared in
constant time. Scopes rank read < write < admin; a token holds the scopes it was given and
every scope below them. A token may expire (`expires_at`); the last active admin token
cannot be revoked (nobody could administer the server afterwards).

The audit log is a hash chain: each entry stores the SHA-256 of the one before it together
with its own fields, so an edited, deleted or inserted row breaks `verify_audit`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from podium import arguments, errors
from podium.store import base, queries

SCOPES = ("read", "write", "admin")
EXTRA_SCOPES = ("traceback", "secrets")
"""Scopes outside the ranking: `traceback` lets a token see error tracebacks (admin may too);
`secrets` lets it see redacted values (see podium.redaction; never implied by admin)."""
PREFIX = "pod_"
MAX_NAME = 100


@dataclasses.dataclass(frozen=True, kw_only=True)
class Reach:
    """What a token may reach: workflow names, queues and payloads (a token's limits)."""

    workflows: tuple[str, ...] | None = None
    """The workflow names it may start, see and steer; None: any."""
    queues: tuple[str, ...] | None = None
    """The queues whose workflows it may start, see and steer; None: any."""
    payloads: bool = True
    """Whether it sees workflow inputs, outputs and history payloads (else metadata only)."""

    @property
    def limited(self) -> bool:
        """Limited to some workflow names or queues (then it cannot manage tokens)."""
        return self.workflows is not None or self.queues is not None

    def may_see(self, workflow: str, queue: str) -> bool:
        """Whether a workflow of this name on this queue is within its limits."""
        return (self.workflows is None or workflow in self.workflows) and (
            self.queues is None or queue in self.queues
        )


@dataclasses.dataclass(frozen=True)
class TokenInfo(Reach):
    """A stored token without its secret."""

    id: str
    name: str
    scopes: tuple[str, ...]
    created_at: float
    revoked_at: float | None
    expires_at: float | None = None

    def limits(self) -> dict[str, object]:
        """Its scopes and limits, as audit entries and `--json` output record them."""
        found: dict[str, object] = {"scopes": list(self.scopes)}
        if self.workflows is not None:
            found["workflows"] = list(self.workflows)
        if self.queues is not None:
            found["queues"] = list(self.queues)
        if not self.payloads:
            found["payloads"] = False
        return found

    def active(self, now: float) -> bool:
        """Neither revoked nor expired at `now`."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def allows(self, scope: str) -> bool:
        """True if this (unrevoked) token grants `scope` (higher scopes include lower ones)."""
        if not self.active(time.time()):
            return False
        need = SCOPES.index(scope)
        return any(SCOPES.index(s) >= need for s in self.scopes if s in SCOPES)


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    """One admin action: who did what to which target, when."""

    id: int
    at: float
    actor: str
    action: str
    target: str | None
    detail: Any


def check_scopes(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validate scope names; ConfigurationError names the allowed ones."""
    bad = [s for s in scopes if s not in SCOPES + EXTRA_SCOPES]
    if not scopes or bad:
        raise errors.ConfigurationError(
            f"scopes {list(scopes)!r} are not valid; use one or more of "
            f"{', '.join(SCOPES + EXTRA_SCOPES)}"
        )
    return tuple(dict.fromkeys(scopes))


def check_limit(values: Sequence[str] | None, what: str) -> tuple[str, ...] | None:
    """A token's `workflows` or `queues` limit: None (any) or a non-empty list of names."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    try:
        given = list(values)
        names = [arguments.check_name(v, f"token {what} entry") for v in given]
    except (errors.ConfigurationError, TypeError):
        names = []
    if not names:
        raise errors.ConfigurationError(
            f"token {what}={values!r} must be a non-empty list of names (or None for any); "
            f"e.g. {what}=['orders']"
        )
    return tuple(dict.fromkeys(names))


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AuthStore(queries.Feature, sql="auth"):
    """Tokens and the audit log, on any store's connector."""

    def __init__(self, store: base.Store) -> None:
        super().__init__(store.connector)

    def create_token(
        self,
        name: str,
        scopes: list[str],
        now: float,
        expires_at: float | None = None,
        *,
        workflows: Sequence[str] | None = None,
        queues: Sequence[str] | None = None,
        payloads: bool = True,
    ) -> tuple[TokenInfo, str]:
        """Store a new token; return it and the full token string (shown only once).

        `expires_at` (epoch seconds, after `now`): the token stops working then.
        `workflows` / `queues`: the only workflow names / queues it may start, list, see,
        cancel and resume (None: any). `payloads=False`: it sees no inputs, outputs or
        history payloads, only metadata.
        """
        names = check_limit(workflows, "workflows")
        lanes = check_limit(queues, "queues")
        if not isinstance(payloads, bool):
            raise errors.ConfigurationError(f"payloads={payloads!r} must be True or False")
        if expires_at is not None and (
            isinstance(expires_at, bool)
            or not isinstance(expires_at, int | float)
            or not expires_at > now
        ):
            raise errors.ConfigurationError(
                f"expires_at={expires_at!r} must be a time after now (epoch seconds)"
            )
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            raise errors.ConfigurationError(
                f"token name {name!r} must be a non-empty string of at most {MAX_NAME} chars"
            )
        valid = check_scopes(scopes)
        token_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        self._c.execute(
            self._q["insert_token"],
            {
                "id": token_id,
                "name": name,
                "scopes": ",".join(valid),
                "secret_hash": _hash(secret),
                "now": now,
                "expires_at": None if expires_at is None else float(expires_at),
                "workflows": None if names is None else json.dumps(names),
                "queues": None if lanes is None else json.dumps(lanes),
                "payloads": int(payloads),
            },
        )
        info = TokenInfo(
            token_id,
            name,
            valid,
            now,
            None,
            expires_at,
            workflows=names,
            queues=lanes,
            payloads=payloads,
        )
        return info, f"{PREFIX}{token_id}_{secret}"

    def verify(self, token: str, now: float | None = None) -> TokenInfo | None:
        """The active token `token` names, or None (unknown, malformed, revoked, expired)."""
        if not token.startswith(PREFIX):
            return None
        token_id, sep, secret = token[len(PREFIX) :].partition("_")
        if not sep or not secret or len(token) > 200:
            return None
        rows = self._c.query(self._q["get_token"], {"id": token_id})
        if not rows or not hmac.compare_digest(rows[0]["secret_hash"], _hash(secret)):
            return None
        info = _token(rows[0])
        return info if info.active(time.time() if now is None else now) else None

    def list_tokens(self) -> list[TokenInfo]:
        """Every token, revoked ones included, oldest first."""
        return [_token(row) for row in self._c.query(self._q["list_tokens"], {})]

    def get_token(self, token_id: str) -> TokenInfo | None:
        """The token with this id, or None."""
        rows = self._c.query(self._q["get_token"], {"id": token_id})
        return _token(rows[0]) if rows else None

    def revoke(self, token_id: str, now: float) -> bool:
        """Revoke a token; False if no unrevoked token has this id.

        Revoking the last active admin token raises ConfigurationError: create another admin
        token first. The count and the revoke are one transaction (on PostgreSQL the admin
        rows are locked), so two concurrent revokes can never leave no admin.
        """
        with self._c.transaction() as execute:
            found = execute(self._q["active_admins"], {"now": now}).rows
            if {r["id"] for r in found} == {token_id}:
                raise errors.ConfigurationError(
                    f"token {token_id!r} is the last active admin token; create another admin "
                    "token before revoking it"
                )
            return execute(self._q["revoke_token"], {"id": token_id, "now": now}).rowcount == 1

    def audit(self, actor: str, action: str, target: str | None, detail: Any, now: float) -> None:
        """Append an entry to the audit log, chained to the one before it."""
        text = json.dumps(detail, sort_keys=True, default=str)
        for attempt in range(10):
            rows = self._c.query(self._q["audit_head"], {})
            prev = rows[0]["hash"] if rows else None
            row = {"now": now, "actor": actor, "action": action, "target": target}
            row |= {"detail": text, "prev_hash": prev}
            row["hash"] = chain_hash(prev, now, actor, action, target, text)
            try:
                self._c.execute(self._q["audit"], row)
                return
            except Exception as exc:  # another writer appended to the same head: retry
                if attempt == 9 or "unique" not in str(exc).lower():
                    raise

    def verify_audit(self, batch: int = 1000) -> tuple[int, str | None]:
        """Recompute the audit chain: (entries checked, the first problem or None)."""
        checked, after, prev = 0, -1, None
        while True:
            rows = self._c.query(self._q["audit_chain"], {"after": after, "limit": batch})
            for r in rows:
                after = int(r["id"])
                if r["hash"] is None:  # written before the chain existed (schema 0015)
                    if prev is not None:
                        return checked, f"entry {after} has no hash inside the chain"
                    continue
                if r["prev_hash"] != prev:
                    return checked, f"entry {after} does not follow the entry before it"
                fields = (r["at"], r["actor"], r["action"], r["target"], r["detail"])
                if chain_hash(prev, *fields) != r["hash"]:
                    return checked, f"entry {after} was changed after it was written"
                prev = r["hash"]
                checked += 1
            if len(rows) < batch:
                return checked, None

    def audit_log(self, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
        """Audit entries, newest first."""
        rows = self._c.query(self._q["audit_log"], {"limit": limit, "offset": offset})
        return [
            AuditEntry(
                int(r["id"]),
                r["at"],
                r["actor"],
                r["action"],
                r["target"],
                json.loads(r["detail"]) if r["detail"] else None,
            )
            for r in rows
        ]

    def remember_trace(self, workflow_id: str, traceparent: str) -> None:
        """Keep the W3C traceparent a workflow's runs continue (the first one wins)."""
        self._c.execute(self._q["remember_trace"], {"id": workflow_id, "traceparent": traceparent})

    def trace_of(self, workflow_id: str) -> str | None:
        """The traceparent remembered for a workflow, or None."""
        rows = self._c.query(self._q["trace_of"], {"id": workflow_id})
        return str(rows[0]["traceparent"]) if rows else None


def _token(row: dict[str, Any]) -> TokenInfo:
    return TokenInfo(
        row["id"],
        row["name"],
        tuple(row["scopes"].split(",")),
        row["created_at"],
        row["revoked_at"],
        row["expires_at"],
        workflows=None if row["workflows"] is None else tuple(json.loads(row["workflows"])),
        queues=None if row["queues"] is None else tuple(json.loads(row["queues"])),
        payloads=bool(row["payloads"]),
    )


def chain_hash(
    prev: str | None, at: float, actor: str, action: str, target: str | None, detail: str | None
) -> str:
    """The hash of one audit entry: its fields and the hash of the entry before it."""
    body = json.dumps([prev, repr(float(at)), actor, action, target, detail])
    return hashlib.sha256(body.encode()).hexdigest()
