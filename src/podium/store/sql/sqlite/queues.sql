-- Named queries of queue-based load leveling (podium.store.queues), SQLite. Each block
-- starts with "-- name: NAME"; values are bound parameters named :like_this. A limited
-- claim runs in one BEGIN IMMEDIATE transaction, which already excludes every other writer.

-- name: lock
SELECT * FROM podium_queues WHERE name = :name;

-- name: lock_claim
-- A claimer that finds the queue locked by another claimer skips it: no connection waits.
SELECT * FROM podium_queues WHERE name = :name;

-- name: prune_running
DELETE FROM podium_queue_running
WHERE queue = :queue AND NOT EXISTS (
    SELECT 1 FROM podium_workflows w
    WHERE w.id = podium_queue_running.workflow_id AND w.status = 'running'
);

-- fragment: level_candidates
-- The candidates (common/queues.sql) of each priority level, in claiming order.
SELECT w.id, w.status, w.key, w.runs FROM levels JOIN podium_workflows AS w ON w.id IN (
    SELECT id FROM podium_workflows
    WHERE queue = :queue AND priority = levels.priority
      AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
      AND (:fresh OR runs > 0)
      AND (:any_workflow OR instr(:workflows, char(0) || workflow || char(0)))
    ORDER BY claimable_at
    LIMIT :limit + :offset
)
ORDER BY w.priority DESC, w.claimable_at, w.rowid

-- name: claim_ids
UPDATE podium_workflows
SET claimed_from = status, woken_at = NULL, status = 'running', lease_owner = :owner,
    lease_epoch = lease_epoch + 1, claimable_at = :lease_until, updated_at = :now, runs = runs + 1
WHERE id IN (SELECT value FROM json_each(:ids)) AND queue = :queue
  AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
RETURNING *;

-- fragment: bounded_row
-- The new row of create_bounded (common/queues.sql).
SELECT :id, :workflow, 'pending', :queue, :priority, :key, :input, :parent_id, :now, :now,
       :ready_at, :deadline, NULL, 0, 0

-- name: takeovers
-- Running workflows of the queue whose lease expired: they hold their slot already.
SELECT w.id FROM podium_queue_running r JOIN podium_workflows w ON w.id = r.workflow_id
WHERE r.queue = :queue AND w.status = 'running' AND w.claimable_at <= :now AND w.paused_at IS NULL
  AND (:any_workflow OR instr(:workflows, char(0) || w.workflow || char(0)))
ORDER BY w.claimable_at
LIMIT :limit;

-- name: candidate
SELECT id, status, key, runs FROM podium_workflows
WHERE id = :id AND queue = :queue AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
  AND (:any_workflow OR instr(:workflows, char(0) || workflow || char(0)));
