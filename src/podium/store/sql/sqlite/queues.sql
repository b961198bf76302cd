-- Named queries of queue-based load leveling (podium.store.queues), SQLite. Each block
-- starts with "-- name: NAME"; values are bound parameters named :like_this. A limited
-- claim runs in one BEGIN IMMEDIATE transaction, which already excludes every other writer.

-- name: upsert
INSERT INTO podium_queues
    (name, concurrency, per_key_concurrency, rate_limit, rate_period, max_depth, priority,
     updated_at)
VALUES (:name, :concurrency, :per_key_concurrency, :rate_limit, :rate_period, :max_depth,
        :priority, :now)
ON CONFLICT (name) DO UPDATE SET
    concurrency = excluded.concurrency,
    per_key_concurrency = excluded.per_key_concurrency,
    rate_limit = excluded.rate_limit,
    rate_period = excluded.rate_period,
    max_depth = excluded.max_depth,
    priority = excluded.priority,
    updated_at = excluded.updated_at;

-- name: all
SELECT * FROM podium_queues ORDER BY name;

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

-- name: running
SELECT workflow_id, key FROM podium_queue_running WHERE queue = :queue;

-- name: takeovers
-- Running workflows of the queue whose lease expired: they hold their slot already.
SELECT w.id FROM podium_queue_running r JOIN podium_workflows w ON w.id = r.workflow_id
WHERE r.queue = :queue AND w.status = 'running' AND w.claimable_at <= :now
  AND (:any_workflow OR w.workflow IN (SELECT value FROM json_each(:workflows)))
ORDER BY w.claimable_at
LIMIT :limit;

-- name: prune_starts
DELETE FROM podium_queue_starts WHERE queue = :queue AND started_at <= :since;

-- name: count_starts
SELECT count(*) AS n FROM podium_queue_starts WHERE queue = :queue;

-- name: candidates
-- Ready workflows in claiming order; with :fresh false only those that ran before.
SELECT id, status, key, runs FROM podium_workflows
WHERE queue = :queue AND claimable_at IS NOT NULL AND claimable_at <= :now AND (:fresh OR runs > 0)
  AND (:any_workflow OR workflow IN (SELECT value FROM json_each(:workflows)))
ORDER BY priority DESC, claimable_at
LIMIT :limit OFFSET :offset;

-- name: claim_ids
UPDATE podium_workflows
SET claimed_from = status, woken_at = NULL, status = 'running', lease_owner = :owner,
    lease_epoch = lease_epoch + 1, claimable_at = :lease_until, updated_at = :now, runs = runs + 1
WHERE id IN (SELECT value FROM json_each(:ids)) AND queue = :queue
  AND claimable_at IS NOT NULL AND claimable_at <= :now
RETURNING *;

-- name: add_running
INSERT INTO podium_queue_running (workflow_id, queue, key, claimed_at)
VALUES (:id, :queue, :key, :now)
ON CONFLICT (workflow_id) DO UPDATE SET
    queue = excluded.queue, key = excluded.key, claimed_at = excluded.claimed_at;

-- name: add_start
INSERT INTO podium_queue_starts (queue, workflow_id, started_at) VALUES (:queue, :id, :now)
ON CONFLICT (queue, workflow_id) DO NOTHING;

-- name: create_bounded
-- create_workflow for a queue with max_depth: the count and the insert are one statement.
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, key, input, parent_id,
     created_at, updated_at, claimable_at, deadline, lease_owner, lease_epoch, runs)
SELECT :id, :workflow, 'pending', :queue, :priority, :key, :input, :parent_id, :now, :now,
       :ready_at, :deadline, NULL, 0, 0
WHERE (SELECT count(*) FROM podium_workflows
       WHERE queue = :queue AND claimable_at IS NOT NULL AND status = 'pending') < :max_depth
ON CONFLICT (id) DO NOTHING
RETURNING *;

-- name: candidate
SELECT id, status, key, runs FROM podium_workflows
WHERE id = :id AND queue = :queue AND claimable_at IS NOT NULL AND claimable_at <= :now
  AND (:any_workflow OR workflow IN (SELECT value FROM json_each(:workflows)));

-- name: get_workflow
SELECT * FROM podium_workflows WHERE id = :id;

-- name: workflow_queue
SELECT queue FROM podium_workflows WHERE id = :id;

-- name: stats
SELECT coalesce(sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS depth,
       coalesce(sum(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0) AS running,
       min(CASE WHEN status = 'pending' THEN created_at END) AS oldest
FROM podium_workflows
WHERE queue = :queue AND claimable_at IS NOT NULL;

-- name: finished_since
SELECT count(*) AS n FROM podium_workflows
WHERE queue = :queue AND claimable_at IS NULL AND status IN ('completed', 'failed')
  AND updated_at >= :since;
