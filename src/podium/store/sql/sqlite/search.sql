-- Search attributes, SQLite: one podium_search row per (workflow, key).

-- name: put
INSERT INTO podium_search (workflow_id, key, value) VALUES (:id, :key, :value)
ON CONFLICT (workflow_id, key) DO UPDATE SET value = excluded.value;

-- name: drop
DELETE FROM podium_search WHERE workflow_id = :id AND key = :key;

-- name: get
SELECT key, value FROM podium_search WHERE workflow_id = :id;
