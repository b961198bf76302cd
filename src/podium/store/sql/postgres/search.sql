-- Search attributes, PostgreSQL: one JSONB document per workflow (NULL without any).

-- name: merge
-- :doc holds the keys to set; a JSON null removes a key; no key left makes it NULL again.
UPDATE podium_workflows
SET search = NULLIF(jsonb_strip_nulls(COALESCE(search, '{}'::jsonb) || :doc::jsonb), '{}'::jsonb)
WHERE id = :id;

-- name: get
SELECT search FROM podium_workflows WHERE id = :id;
