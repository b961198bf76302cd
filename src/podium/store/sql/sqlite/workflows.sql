-- The core store's queries that are SQLite's own (podium.store.workflows); the shared ones
-- are in common/workflows.sql. Lists of ids and names arrive as JSON arrays (read with
-- json_each); {queues} is one placeholder per queue, so a claim of one queue walks the claim
-- index in its order and stops at the limit (json_each there would sort every ready row).
--
-- A claimer takes only workflows whose name it has registered (:workflows), unless
-- :any_workflow says it runs any; the name is a filter on the rows the claim index yields.

-- name: claim
UPDATE podium_workflows
SET claimed_from = status, woken_at = NULL, status = 'running', lease_owner = :owner,
    lease_epoch = lease_epoch + 1, claimable_at = :lease_until, updated_at = :now,
    runs = runs + 1
WHERE id IN (
    SELECT id FROM podium_workflows
    WHERE claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
      AND queue IN ({queues})
      AND (:any_workflow OR workflow IN (SELECT value FROM json_each(:workflows)))
    ORDER BY priority DESC, claimable_at
    LIMIT :limit
)
RETURNING *;

-- name: claim_one
UPDATE podium_workflows
SET claimed_from = status, woken_at = NULL, status = 'running', lease_owner = :owner,
    lease_epoch = lease_epoch + 1, claimable_at = :lease_until, updated_at = :now,
    runs = runs + 1
WHERE id = :id AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
  AND (:any_workflow OR workflow IN (SELECT value FROM json_each(:workflows)))
RETURNING *;

-- name: renew_leases
UPDATE podium_workflows SET claimable_at = :lease_until
WHERE id IN (SELECT value FROM json_each(:ids)) AND lease_owner = :owner
  AND status = 'running';

-- name: append_history
INSERT INTO podium_history
    (workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at)
SELECT :workflow_id, :seq, :kind, :name, :status, :payload, :attempt, :started_at,
       :finished_at
WHERE EXISTS (
    SELECT 1 FROM podium_workflows
    WHERE id = :fence_id AND lease_owner = :fence_owner AND lease_epoch = :fence_epoch
      AND status = 'running'
)
ON CONFLICT (workflow_id, seq) DO NOTHING;

-- name: record_attempt
INSERT INTO podium_attempts
    (workflow_id, seq, attempt, name, error_type, error_message,
     started_at, finished_at, retry_at)
SELECT :workflow_id, :seq, :attempt, :name, :error_type, :error_message, :started_at,
       :finished_at, :retry_at
WHERE EXISTS (
    SELECT 1 FROM podium_workflows
    WHERE id = :fence_id AND lease_owner = :fence_owner AND lease_epoch = :fence_epoch
      AND status = 'running'
)
ON CONFLICT (workflow_id, seq, attempt) DO NOTHING;
