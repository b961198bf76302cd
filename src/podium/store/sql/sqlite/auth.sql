-- Named queries of the auth feature store that differ on SQLite.

-- name: active_admins
-- The active admin tokens that are not limited to workflows or queues (only those manage
-- tokens); inside a write transaction (SQLite serializes writers), so a
-- revoke that counts them and then revokes cannot interleave with another.
SELECT id FROM podium_api_tokens
WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
  AND (',' || scopes || ',') LIKE '%,admin,%' AND workflows IS NULL AND queues IS NULL;
