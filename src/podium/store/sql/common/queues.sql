-- The queues queries every dialect shares; the ones whose SQL differs are in
-- <dialect>/queues.sql. Each block starts with "-- name: NAME"; values are bound
-- parameters named :like_this.

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

-- name: set_paused
-- Pausing a queue without limits makes its row (no limits); app.queue() upserts keep paused.
INSERT INTO podium_queues (name, priority, updated_at, paused)
VALUES (:name, 1, :now, :paused)
ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at;

-- name: all
SELECT * FROM podium_queues ORDER BY name;

-- name: running
SELECT workflow_id, key FROM podium_queue_running WHERE queue = :queue;

-- name: prune_starts
DELETE FROM podium_queue_starts WHERE queue = :queue AND started_at <= :since;

-- name: count_starts
SELECT count(*) AS n FROM podium_queue_starts WHERE queue = :queue;

-- name: add_running
INSERT INTO podium_queue_running (workflow_id, queue, key, claimed_at)
VALUES (:id, :queue, :key, :now)
ON CONFLICT (workflow_id) DO UPDATE SET
    queue = excluded.queue, key = excluded.key, claimed_at = excluded.claimed_at;

-- name: add_start
INSERT INTO podium_queue_starts (queue, workflow_id, started_at) VALUES (:queue, :id, :now)
ON CONFLICT (queue, workflow_id) DO NOTHING;

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

-- name: candidates
-- Ready workflows in claiming order; with :fresh false only those that ran before. As in the
-- plain claim, each priority level of the queue is a range of the claim index from its due
-- end (at most :limit + :offset rows a level), so rows not yet due are never read.
-- include: queue_levels
-- include: level_candidates
LIMIT :limit OFFSET :offset;

-- name: create_bounded
-- create_workflow for a queue with max_depth: the count and the insert are one statement,
-- run (on PostgreSQL) after `lock` in the same transaction.
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, key, input, parent_id,
     created_at, updated_at, claimable_at, deadline, lease_owner, lease_epoch, runs)
-- include: bounded_row
WHERE (SELECT count(*) FROM (SELECT 1 FROM podium_workflows
                              WHERE queue = :queue AND claimable_at IS NOT NULL
                                AND status = 'pending' LIMIT :max_depth) AS counted)
      < :max_depth
ON CONFLICT (id) DO NOTHING
RETURNING *;
