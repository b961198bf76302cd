-- Named queries of the SQLite store. Each block starts with "-- name: NAME".
-- Values are always bound parameters; {queues} expands to one "?" per queue.

-- name: create_workflow
-- With a lease owner the workflow is created already claimed by it (app.run).
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, key, input, parent_id,
     created_at, updated_at, ready_at, deadline, lease_owner, lease_epoch, runs)
VALUES (:id, :workflow, CASE WHEN :owner IS NULL THEN 'pending' ELSE 'running' END,
        :queue, :priority, :key, :input, :parent_id, :now, :now, :ready_at, :deadline,
        :owner, CASE WHEN :owner IS NULL THEN 0 ELSE 1 END,
        CASE WHEN :owner IS NULL THEN 0 ELSE 1 END)
ON CONFLICT (id) DO NOTHING
RETURNING *;

-- name: get_workflow
SELECT * FROM podium_workflows WHERE id = ?;

-- name: claim
UPDATE podium_workflows
SET claimed_from = status, woken_at = NULL, status = 'running', lease_owner = ?, lease_epoch = lease_epoch + 1,
    ready_at = ?, updated_at = ?, runs = runs + 1
WHERE id IN (
    SELECT id FROM podium_workflows
    WHERE ready_at IS NOT NULL AND ready_at <= ? AND queue IN ({queues})
    ORDER BY priority DESC, ready_at
    LIMIT ?
)
RETURNING *;

-- name: claim_one
UPDATE podium_workflows
SET claimed_from = status, woken_at = NULL, status = 'running', lease_owner = ?, lease_epoch = lease_epoch + 1,
    ready_at = ?, updated_at = ?, runs = runs + 1
WHERE id = ? AND ready_at IS NOT NULL AND ready_at <= ?
RETURNING *;

-- name: renew_leases
UPDATE podium_workflows SET ready_at = :lease_until
WHERE id IN (SELECT value FROM json_each(:ids)) AND lease_owner = :owner
  AND status = 'running';

-- name: wake
-- A running workflow is only marked (its suspend then readies it); a waiting one is readied.
UPDATE podium_workflows
SET woken_at = :now,
    ready_at = CASE WHEN status = 'waiting' AND (ready_at IS NULL OR ready_at > :now)
                    THEN :now ELSE ready_at END
WHERE id = :id AND status IN ('running', 'waiting');

-- name: load_history
SELECT workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at
FROM podium_history WHERE workflow_id = ? ORDER BY seq;

-- name: load_attempts
SELECT workflow_id, seq, attempt, name, error_type, error_message,
       started_at, finished_at, retry_at
FROM podium_attempts WHERE workflow_id = ? ORDER BY seq, attempt;

-- name: append_history
INSERT INTO podium_history
    (workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at)
SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
WHERE EXISTS (
    SELECT 1 FROM podium_workflows
    WHERE id = ? AND lease_owner = ? AND lease_epoch = ? AND status = 'running'
)
ON CONFLICT (workflow_id, seq) DO NOTHING;

-- name: record_attempt
INSERT INTO podium_attempts
    (workflow_id, seq, attempt, name, error_type, error_message,
     started_at, finished_at, retry_at)
SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
WHERE EXISTS (
    SELECT 1 FROM podium_workflows
    WHERE id = ? AND lease_owner = ? AND lease_epoch = ? AND status = 'running'
)
ON CONFLICT (workflow_id, seq, attempt) DO NOTHING;

-- name: suspend
-- A wake that arrived while this run was deciding to wait makes the workflow ready at once.
UPDATE podium_workflows
SET status = 'waiting', ready_at = CASE WHEN woken_at IS NULL THEN ?1 ELSE ?2 END,
    lease_owner = NULL, updated_at = ?2
WHERE id = ?3 AND lease_owner = ?4 AND lease_epoch = ?5 AND status = 'running';

-- name: release
UPDATE podium_workflows
SET status = 'pending', ready_at = ?, lease_owner = NULL, updated_at = ?
WHERE id = ? AND lease_owner = ? AND lease_epoch = ? AND status = 'running';

-- name: finish
UPDATE podium_workflows
SET status = ?, output = ?, error_type = ?, error_message = ?, error_traceback = ?,
    ready_at = NULL, lease_owner = NULL, updated_at = ?
WHERE id = ? AND lease_owner = ? AND lease_epoch = ? AND status = 'running';

-- name: cancel
UPDATE podium_workflows
SET status = 'cancelled', ready_at = NULL, lease_owner = NULL,
    lease_epoch = lease_epoch + 1, updated_at = ?,
    error_type = 'WorkflowCancelled', error_message = 'cancelled on request'
WHERE id = ? AND status IN ('pending', 'running', 'waiting');

-- name: resume
UPDATE podium_workflows
SET status = 'pending', ready_at = ?, updated_at = ?, lease_owner = NULL,
    lease_epoch = lease_epoch + 1, output = NULL,
    error_type = NULL, error_message = NULL, error_traceback = NULL
WHERE id = ? AND status IN ('failed', 'cancelled');

-- name: drop_failed_tail
DELETE FROM podium_history
WHERE workflow_id = ? AND status = 'failed' AND seq > COALESCE(
    (SELECT MAX(seq) FROM podium_history WHERE workflow_id = ? AND status != 'failed'), -1);

-- name: drop_open_attempts
DELETE FROM podium_attempts
WHERE workflow_id = ? AND seq > COALESCE(
    (SELECT MAX(seq) FROM podium_history WHERE workflow_id = ? AND status != 'failed'), -1);
