-- podium schema 0005 (SQLite): API tokens (hashed), the audit log of admin actions, and the
-- trace context each workflow's runs continue.

CREATE TABLE podium_api_tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at  REAL NOT NULL,
    revoked_at  REAL
);

CREATE TABLE podium_audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     REAL NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT
);

CREATE TABLE podium_trace_context (
    workflow_id TEXT PRIMARY KEY,
    traceparent TEXT NOT NULL
) WITHOUT ROWID;
