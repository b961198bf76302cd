-- Named queries of queue-based load leveling (podium.store.queues), PostgreSQL. Each block
-- starts with "-- name: NAME"; values are bound parameters named :like_this. A limited
-- claim and a bounded start lock the queue's row first (`lock`), so they serialize per
-- queue, and every later statement of the transaction sees what the previous holder wrote.

-- name: lock
SELECT * FROM podium_queues WHERE name = :name FOR UPDATE;

-- name: lock_claim
-- A claimer that finds the queue locked by another claimer skips it: no connection waits.
SELECT * FROM podium_queues WHERE name = :name FOR UPDATE SKIP LOCKED;

-- name: prune_running
DELETE FROM podium_queue_running r
WHERE r.queue = :queue AND NOT EXISTS (
    SELECT 1 FROM podium_workflows w WHERE w.id = r.workflow_id AND w.status = 'running'
);

-- fragment: level_candidates
-- The candidates (common/queues.sql) of each priority level, in claiming order.
SELECT due.id, due.status, due.key, due.runs FROM levels CROSS JOIN LATERAL (
    SELECT id, status, key, runs, priority, claimable_at, ctid AS tid FROM podium_workflows
    WHERE queue = :queue AND priority = levels.priority
      AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
      AND (:fresh::boolean OR runs > 0)
      AND (:any_workflow::boolean OR workflow = ANY(:workflows::text[]))
      AND (status <> 'running' OR now() - pg_postmaster_start_time()
                                  >= make_interval(secs => :takeover_grace::double precision))
    ORDER BY claimable_at
    LIMIT :limit::integer + :offset::integer
) AS due
ORDER BY due.priority DESC, due.claimable_at, due.tid

-- name: claim_ids
-- SET expressions read the old row, so claimed_from is the status before the claim.
UPDATE podium_workflows
SET claimed_from = status, woken_at = NULL, status = 'running', lease_owner = :owner,
    lease_epoch = lease_epoch + 1, claimable_at = :lease_until, updated_at = :now,
    runs = runs + 1
WHERE id IN (SELECT json_array_elements_text(:ids::json)) AND queue = :queue
  AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
RETURNING *;

-- fragment: bounded_row
-- The new row of create_bounded (common/queues.sql); its types are cast, since a SELECT
-- list gives untyped parameters none.
SELECT :id::text, :workflow::text, 'pending', :queue::text, :priority::integer,
       :key::text, :input::text, :parent_id::text, :now::double precision,
       :now::double precision, :ready_at::double precision,
       :deadline::double precision, NULL, 0, 0

-- name: takeovers
-- Running workflows of the queue whose lease expired: they hold their slot already. Not
-- within :takeover_grace of the server's start (see workflows.sql, claim).
SELECT w.id FROM podium_queue_running r JOIN podium_workflows w ON w.id = r.workflow_id
WHERE r.queue = :queue AND w.status = 'running' AND w.claimable_at <= :now AND w.paused_at IS NULL
  AND (:any_workflow::boolean OR w.workflow = ANY(:workflows::text[]))
  AND now() - pg_postmaster_start_time() >= make_interval(secs => :takeover_grace::double precision)
ORDER BY w.claimable_at
LIMIT :limit;

-- name: candidate
SELECT id, status, key, runs FROM podium_workflows
WHERE id = :id AND queue = :queue AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
  AND (:any_workflow::boolean OR workflow = ANY(:workflows::text[]))
  AND (status <> 'running' OR now() - pg_postmaster_start_time() >= make_interval(secs => :takeover_grace::double precision));
