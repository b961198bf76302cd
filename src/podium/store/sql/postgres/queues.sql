-- Named queries of queue-based load leveling (podium.store.queues), PostgreSQL. Each block
-- starts with "-- name: NAME"; values are bound parameters named %(like_this)s. A limited
-- claim and a bounded start lock the queue's row first (`lock`), so they serialize per
-- queue, and every later statement of the transaction sees what the previous holder wrote.

-- name: upsert
INSERT INTO podium_queues
    (name, concurrency, per_key_concurrency, rate_limit, rate_period, max_depth, priority,
     updated_at)
VALUES (%(name)s, %(concurrency)s, %(per_key_concurrency)s, %(rate_limit)s, %(rate_period)s,
        %(max_depth)s, %(priority)s, %(now)s)
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
SELECT * FROM podium_queues WHERE name = %(name)s FOR UPDATE;

-- name: lock_claim
-- A claimer that finds the queue locked by another claimer skips it: no connection waits.
SELECT * FROM podium_queues WHERE name = %(name)s FOR UPDATE SKIP LOCKED;

-- name: prune_running
DELETE FROM podium_queue_running r
WHERE r.queue = %(queue)s AND NOT EXISTS (
    SELECT 1 FROM podium_workflows w WHERE w.id = r.workflow_id AND w.status = 'running'
);

-- name: running
SELECT workflow_id, key FROM podium_queue_running WHERE queue = %(queue)s;

-- name: takeovers
-- Running workflows of the queue whose lease expired: they hold their slot already.
SELECT w.id FROM podium_queue_running r JOIN podium_workflows w ON w.id = r.workflow_id
WHERE r.queue = %(queue)s AND w.status = 'running' AND w.ready_at <= %(now)s
ORDER BY w.ready_at
LIMIT %(limit)s;

-- name: prune_starts
DELETE FROM podium_queue_starts WHERE queue = %(queue)s AND started_at <= %(since)s;

-- name: count_starts
SELECT count(*) AS n FROM podium_queue_starts WHERE queue = %(queue)s;

-- name: candidates
-- Ready workflows in claiming order; with %(fresh)s false only those that ran before.
SELECT id, status, key, runs FROM podium_workflows
WHERE queue = %(queue)s AND ready_at IS NOT NULL AND ready_at <= %(now)s
  AND (%(fresh)s::boolean OR runs > 0)
ORDER BY priority DESC, ready_at
LIMIT %(limit)s OFFSET %(offset)s;

-- name: claim_ids
-- SET expressions read the old row, so claimed_from is the status before the claim.
UPDATE podium_workflows
SET claimed_from = status, woken_at = NULL, status = 'running', lease_owner = %(owner)s,
    lease_epoch = lease_epoch + 1, ready_at = %(lease_until)s, updated_at = %(now)s,
    runs = runs + 1
WHERE id IN (SELECT json_array_elements_text(%(ids)s::json)) AND queue = %(queue)s
  AND ready_at IS NOT NULL AND ready_at <= %(now)s
RETURNING *;

-- name: add_running
INSERT INTO podium_queue_running (workflow_id, queue, key, claimed_at)
VALUES (%(id)s, %(queue)s, %(key)s, %(now)s)
ON CONFLICT (workflow_id) DO UPDATE SET
    queue = excluded.queue, key = excluded.key, claimed_at = excluded.claimed_at;

-- name: add_start
INSERT INTO podium_queue_starts (queue, workflow_id, started_at)
VALUES (%(queue)s, %(id)s, %(now)s)
ON CONFLICT (queue, workflow_id) DO NOTHING;

-- name: create_bounded
-- create_workflow for a queue with max_depth, run after `lock` in the same transaction.
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, key, input, parent_id,
     created_at, updated_at, ready_at, deadline, lease_owner, lease_epoch, runs)
SELECT %(id)s::text, %(workflow)s::text, 'pending', %(queue)s::text, %(priority)s::integer,
       %(key)s::text, %(input)s::text, %(parent_id)s::text, %(now)s::double precision,
       %(now)s::double precision, %(ready_at)s::double precision,
       %(deadline)s::double precision, NULL, 0, 0
WHERE (SELECT count(*) FROM podium_workflows
       WHERE queue = %(queue)s AND ready_at IS NOT NULL AND status = 'pending')
      < %(max_depth)s
ON CONFLICT (id) DO NOTHING
RETURNING *;

-- name: candidate
SELECT id, status, key, runs FROM podium_workflows
WHERE id = %(id)s AND queue = %(queue)s AND ready_at IS NOT NULL AND ready_at <= %(now)s;

-- name: get_workflow
SELECT * FROM podium_workflows WHERE id = %(id)s;

-- name: workflow_queue
SELECT queue FROM podium_workflows WHERE id = %(id)s;

-- name: stats
SELECT coalesce(sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS depth,
       coalesce(sum(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0) AS running,
       min(CASE WHEN status = 'pending' THEN created_at END) AS oldest
FROM podium_workflows
WHERE queue = %(queue)s AND ready_at IS NOT NULL;

-- name: finished_since
SELECT count(*) AS n FROM podium_workflows
WHERE queue = %(queue)s AND ready_at IS NULL AND status IN ('completed', 'failed')
  AND updated_at >= %(since)s;
