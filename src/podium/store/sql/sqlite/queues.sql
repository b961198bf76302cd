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

-- name: candidates
-- Ready workflows in claiming order; with :fresh false only those that ran before. As in the
-- plain claim, each priority level of the queue is a range of the claim index from its due
-- end (at most :limit + :offset rows a level), so rows not yet due are never read.
WITH RECURSIVE levels(priority) AS (
    SELECT (SELECT max(priority) FROM podium_workflows
            WHERE queue = :queue AND claimable_at IS NOT NULL)
    UNION ALL
    SELECT (SELECT max(w.priority) FROM podium_workflows AS w
            WHERE w.queue = :queue AND w.claimable_at IS NOT NULL
              AND w.priority < levels.priority)
    FROM levels WHERE levels.priority IS NOT NULL
)
SELECT w.id, w.status, w.key, w.runs FROM levels JOIN podium_workflows AS w ON w.id IN (
    SELECT id FROM podium_workflows
    WHERE queue = :queue AND priority = levels.priority
      AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
      AND (:fresh OR runs > 0)
      AND (:any_workflow OR workflow IN (SELECT value FROM json_each(:workflows)))
    ORDER BY claimable_at
    LIMIT :limit + :offset
)
ORDER BY w.priority DESC, w.claimable_at, w.rowid
LIMIT :limit OFFSET :offset;

-- name: claim_ids
UPDATE podium_workflows
SET claimed_from = status, woken_at = NULL, status = 'running', lease_owner = :owner,
    lease_epoch = lease_epoch + 1, claimable_at = :lease_until, updated_at = :now, runs = runs + 1
WHERE id IN (SELECT value FROM json_each(:ids)) AND queue = :queue
  AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
RETURNING *;

-- name: create_bounded
-- create_workflow for a queue with max_depth: the count and the insert are one statement.
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, key, input, parent_id,
     created_at, updated_at, claimable_at, deadline, lease_owner, lease_epoch, runs)
SELECT :id, :workflow, 'pending', :queue, :priority, :key, :input, :parent_id, :now, :now,
       :ready_at, :deadline, NULL, 0, 0
WHERE (SELECT count(*) FROM (SELECT 1 FROM podium_workflows
                              WHERE queue = :queue AND claimable_at IS NOT NULL
                                AND status = 'pending' LIMIT :max_depth) AS counted)
      < :max_depth
ON CONFLICT (id) DO NOTHING
RETURNING *;

-- name: takeovers
-- Running workflows of the queue whose lease expired: they hold their slot already.
SELECT w.id FROM podium_queue_running r JOIN podium_workflows w ON w.id = r.workflow_id
WHERE r.queue = :queue AND w.status = 'running' AND w.claimable_at <= :now AND w.paused_at IS NULL
  AND (:any_workflow OR w.workflow IN (SELECT value FROM json_each(:workflows)))
ORDER BY w.claimable_at
LIMIT :limit;

-- name: candidate
SELECT id, status, key, runs FROM podium_workflows
WHERE id = :id AND queue = :queue AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
  AND (:any_workflow OR workflow IN (SELECT value FROM json_each(:workflows)));
