-- The core store's queries that are PostgreSQL's own (podium.store.workflows); the shared
-- ones are in common/workflows.sql. Lists of ids arrive as arrays; {queue_rows} is one
-- VALUES row per queue, a placeholder each. Every statement runs alone in autocommit (one
-- round trip) unless the store says otherwise.

-- fragment: take_picked
-- A claim's update of the rows it picked (WITH picked AS ...), shared by claim and claim_one.
UPDATE podium_workflows AS w
SET claimed_from = w.status, woken_at = NULL, status = 'running', lease_owner = :owner,
    lease_epoch = w.lease_epoch + 1, claimable_at = :lease_until, updated_at = :now,
    runs = w.runs + 1
FROM picked
WHERE w.id = picked.id

-- name: claim
-- Takeover grace: a running workflow (its lease expired) is not taken over within
-- :takeover_grace seconds (one lease) of the server's start. After an outage every lease
-- that was live before it has expired in the table; the live owners renew within a third of
-- a lease of the return, and a claim that got in first would take their runs over.
--
-- The picked rows are locked with SKIP LOCKED, so concurrent claimers take disjoint sets;
-- MATERIALIZED makes the pick run exactly once (a LIMIT ... SKIP LOCKED subquery that the
-- planner re-scans could lock more rows than the limit). claimed_from = w.status reads the
-- old row, as in SQLite. Rows come back in claiming order. A claimer takes only workflows
-- whose name it has registered (:workflows) unless :any_workflow; a filter on the index scan.
-- The walk starts at the due end of the claim index for each (queue, priority) level:
-- `levels` lists a queue's distinct priorities from the highest down, one index seek each,
-- and each level reads only its due rows (claimable_at <= :now) in order, at most :limit,
-- so rows not yet due (sleeping, delayed, leased) are never read. A level may lock up to
-- :limit rows that the final LIMIT then leaves; they are released when the statement commits.
WITH RECURSIVE queues(name) AS (VALUES {queue_rows}),
levels(queue, priority) AS (
    SELECT queues.name::text,
           (SELECT max(priority) FROM podium_workflows
            WHERE queue = queues.name::text AND claimable_at IS NOT NULL)
    FROM queues
-- include: next_level
), picked AS MATERIALIZED (
    SELECT due.id, due.priority, due.claimable_at
    FROM levels CROSS JOIN LATERAL (
        SELECT id, priority, claimable_at, ctid AS tid FROM podium_workflows
        WHERE queue = levels.queue AND priority = levels.priority
          AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
          AND (:any_workflow::boolean OR workflow = ANY(:workflows::text[]))
          AND (status <> 'running' OR now() - pg_postmaster_start_time()
                                      >= make_interval(secs => :takeover_grace::double precision))
        ORDER BY claimable_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    ) AS due
    ORDER BY due.priority DESC, due.claimable_at, due.tid
    LIMIT :limit
), claimed AS (
-- include: take_picked
    RETURNING w.*, picked.claimable_at AS picked_at
)
SELECT * FROM claimed ORDER BY priority DESC, picked_at;

-- name: claim_one
WITH picked AS MATERIALIZED (
    SELECT id FROM podium_workflows
    WHERE id = :id AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
      AND (:any_workflow::boolean OR workflow = ANY(:workflows::text[]))
      AND (status <> 'running' OR now() - pg_postmaster_start_time()
                                  >= make_interval(secs => :takeover_grace::double precision))
    FOR UPDATE SKIP LOCKED
)
-- include: take_picked
RETURNING w.*;

-- Rows are locked in id order first, the order every statement that locks several workflow
-- rows keeps (a group commit's batch too), so a renewal never deadlocks with one of them.
-- name: renew_leases
UPDATE podium_workflows AS w SET claimable_at = :lease_until
FROM (
    SELECT id FROM podium_workflows
    WHERE id = ANY(:ids::text[]) AND lease_owner = :owner AND status = 'running'
    ORDER BY id
    FOR NO KEY UPDATE
) AS locked
WHERE w.id = locked.id AND w.lease_owner = :owner AND w.status = 'running';

-- fragment: fence_holds
-- The fence of a fenced insert (append_history, record_attempt). The fence row is read FOR
-- SHARE: a concurrent claim, cancel or resume of the workflow waits for this insert to commit,
-- or this insert waits for it and re-checks the fence on the new row, so a write never lands
-- after its lease was taken over.
WHERE EXISTS (
    SELECT 1 FROM podium_workflows
    WHERE id = :fence_id AND lease_owner = :fence_owner
      AND lease_epoch = :fence_epoch AND status = 'running'
    FOR SHARE
)

-- name: append_history
INSERT INTO podium_history
    (workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at)
SELECT :workflow_id::text, :seq::integer, :kind::text, :name::text,
       :status::text, :payload::text, :attempt::integer,
       :started_at::double precision, :finished_at::double precision
-- include: fence_holds
ON CONFLICT (workflow_id, seq) DO NOTHING;

-- name: record_attempt
INSERT INTO podium_attempts
    (workflow_id, seq, attempt, name, error_type, error_message,
     started_at, finished_at, retry_at)
SELECT :workflow_id::text, :seq::integer, :attempt::integer, :name::text,
       :error_type::text, :error_message::text, :started_at::double precision,
       :finished_at::double precision, :retry_at::double precision
-- include: fence_holds
ON CONFLICT (workflow_id, seq, attempt) DO NOTHING;

-- name: finish_appending
-- A run's end (the common `finish`) and the one history row it held back (its last step's
-- result), as one statement: the row is inserted only from the end's RETURNING, and the end
-- matches only while the fence holds and the row's position is free. So both are written or
-- neither (no row: the fence was lost or the position taken, LeaseLost), in one round trip.
WITH ended AS (
    UPDATE podium_workflows
    SET status = :status, output = :output, error_type = :error_type,
        error_message = :error_message, error_traceback = :error_traceback,
        claimable_at = NULL, lease_owner = NULL, updated_at = :now
    WHERE id = :fence_id AND lease_owner = :fence_owner
      AND lease_epoch = :fence_epoch AND status = 'running'
      AND NOT EXISTS (
          SELECT 1 FROM podium_history WHERE workflow_id = :fence_id AND seq = :seq::integer
      )
    RETURNING id
)
INSERT INTO podium_history
    (workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at)
SELECT ended.id, :seq::integer, :kind::text, :name::text,
       :event_status::text, :payload::text, :attempt::integer,
       :started_at::double precision, :finished_at::double precision
FROM ended;

-- A child's end (WorkflowStore._finish_child), one write of the group commit: lock_parent,
-- finish, lock_child_wait, wake_if_due. The parent's row is locked FOR KEY SHARE before
-- anything else (a parent storing its wait locks it FOR UPDATE: the two are ordered).
-- name: lock_parent
SELECT id FROM podium_workflows WHERE id = :parent_id FOR KEY SHARE;

-- name: lock_child_wait
-- The parent's wait, locked: of two children ending at once, the later sees both ends.
SELECT at_most FROM podium_child_waits WHERE workflow_id = :parent_id FOR UPDATE;

-- fragment: claimable_name
-- The claim's name filter on a row aliased w (next_due in common/workflows.sql).
              AND (:any_workflow::boolean OR w.workflow = ANY(:workflows::text[]))
