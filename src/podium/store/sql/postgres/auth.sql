-- Named queries of the auth feature store (PostgreSQL). Each block starts with "-- name: NAME".

-- name: insert_token
INSERT INTO podium_api_tokens (id, name, scopes, secret_hash, created_at)
VALUES (%(id)s, %(name)s, %(scopes)s, %(secret_hash)s, %(now)s);

-- name: get_token
SELECT id, name, scopes, secret_hash, created_at, revoked_at
FROM podium_api_tokens WHERE id = %(id)s;

-- name: list_tokens
SELECT id, name, scopes, secret_hash, created_at, revoked_at
FROM podium_api_tokens ORDER BY created_at, id;

-- name: revoke_token
UPDATE podium_api_tokens SET revoked_at = %(now)s WHERE id = %(id)s AND revoked_at IS NULL;

-- name: audit
INSERT INTO podium_audit_log (at, actor, action, target, detail)
VALUES (%(now)s, %(actor)s, %(action)s, %(target)s, %(detail)s);

-- name: audit_log
SELECT id, at, actor, action, target, detail FROM podium_audit_log
ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s;

-- name: remember_trace
INSERT INTO podium_trace_context (workflow_id, traceparent) VALUES (%(id)s, %(traceparent)s)
ON CONFLICT (workflow_id) DO NOTHING;

-- name: trace_of
SELECT traceparent FROM podium_trace_context WHERE workflow_id = %(id)s;
