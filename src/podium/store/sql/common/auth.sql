-- Named queries of the auth feature store (every dialect). Each block starts with "-- name: NAME".

-- name: insert_token
INSERT INTO podium_api_tokens
    (id, name, scopes, secret_hash, created_at, expires_at, workflows, queues, payloads)
VALUES (:id, :name, :scopes, :secret_hash, :now, :expires_at, :workflows, :queues, :payloads);

-- name: get_token
SELECT id, name, scopes, secret_hash, created_at, revoked_at, expires_at, workflows, queues,
    payloads
FROM podium_api_tokens WHERE id = :id;

-- name: list_tokens
SELECT id, name, scopes, secret_hash, created_at, revoked_at, expires_at, workflows, queues,
    payloads
FROM podium_api_tokens ORDER BY created_at, id;

-- name: revoke_token
UPDATE podium_api_tokens SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL;


-- name: audit
INSERT INTO podium_audit_log (at, actor, action, target, detail, prev_hash, hash)
VALUES (:now, :actor, :action, :target, :detail, :prev_hash, :hash);

-- name: audit_head
SELECT hash FROM podium_audit_log WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1;

-- name: audit_log
SELECT id, at, actor, action, target, detail FROM podium_audit_log
ORDER BY id DESC LIMIT :limit OFFSET :offset;

-- name: audit_chain
SELECT id, at, actor, action, target, detail, prev_hash, hash FROM podium_audit_log
WHERE id > :after ORDER BY id LIMIT :limit;

-- name: remember_trace
INSERT INTO podium_trace_context (workflow_id, traceparent) VALUES (:id, :traceparent)
ON CONFLICT (workflow_id) DO NOTHING;

-- name: trace_of
SELECT traceparent FROM podium_trace_context WHERE workflow_id = :id;
