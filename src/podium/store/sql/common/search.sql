-- Search attributes and debounced starts (podium.store.search, podium.store.debounce), the
-- queries both dialects share; the ones that differ are in <dialect>/search.sql.

-- name: key_types
SELECT key, type FROM podium_search_keys;

-- name: add_key
INSERT INTO podium_search_keys (key, type) VALUES (:key, :type) ON CONFLICT (key) DO NOTHING;

-- name: debounce_hold
-- Takes (or finds) the debounce row of (workflow, key) and locks it for the transaction
-- (PostgreSQL: the upsert's row lock; SQLite: the writer lock of BEGIN IMMEDIATE), so two
-- racing starts with one key serialize here. Returns the workflow the key points at.
INSERT INTO podium_debounce (workflow, key, workflow_id, updated_at)
VALUES (:workflow, :key, :id, :now)
ON CONFLICT (workflow, key) DO UPDATE SET updated_at = excluded.updated_at
RETURNING workflow_id;

-- name: debounce_fold
-- A later start folds into the held workflow only while no worker has taken it: its input
-- becomes the latest one and its quiet period starts again.
UPDATE podium_workflows
SET input = :input, claimable_at = :ready_at, updated_at = :now
WHERE id = :target AND status = 'pending' AND runs = 0
RETURNING *;

-- name: debounce_fold_capped
-- debounce_fold with a maximum wait: the run is never moved past its first start (the held
-- workflow's created_at) plus :max_wait.
UPDATE podium_workflows
SET input = :input,
    claimable_at = CASE WHEN created_at + :max_wait < :ready_at
                        THEN created_at + :max_wait ELSE :ready_at END,
    updated_at = :now
WHERE id = :target AND status = 'pending' AND runs = 0
RETURNING *;

-- name: debounce_point
UPDATE podium_debounce SET workflow_id = :id, updated_at = :now
WHERE workflow = :workflow AND key = :key;
