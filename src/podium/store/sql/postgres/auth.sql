-- Named queries of the auth feature store that differ on PostgreSQL.

-- name: active_admins
-- The active admin tokens that are not limited to workflows or queues (only those manage
-- tokens), locked: two revokes of different admins serialize here, and the
-- second one re-reads the rows after the first committed (so it sees one admin fewer).
SELECT id FROM podium_api_tokens
WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
  AND (',' || scopes || ',') LIKE '%,admin,%' AND workflows IS NULL AND queues IS NULL
ORDER BY id FOR UPDATE;
