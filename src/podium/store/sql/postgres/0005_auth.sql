-- podium schema 0005 (PostgreSQL): API tokens (hashed), the audit log of admin actions, and
-- the trace context each workflow's runs continue.

CREATE TABLE podium_api_tokens (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    scopes      text NOT NULL,
    secret_hash text NOT NULL,
    created_at  double precision NOT NULL,
    revoked_at  double precision
);

CREATE TABLE podium_audit_log (
    id     bigserial PRIMARY KEY,
    at     double precision NOT NULL,
    actor  text NOT NULL,
    action text NOT NULL,
    target text,
    detail text
);

CREATE TABLE podium_trace_context (
    workflow_id text PRIMARY KEY,
    traceparent text NOT NULL
);
