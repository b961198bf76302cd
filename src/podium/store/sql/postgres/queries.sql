-- Named queries of the PostgreSQL store. Each block starts with "-- name: NAME".
-- Values are always bound parameters, named %(like_this)s; every statement runs alone in
-- autocommit (one round trip) unless the store says otherwise.

-- name: schema_table
CREATE TABLE IF NOT EXISTS podium_schema (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at double precision NOT NULL
);

-- name: migrate_lock
SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0));

-- name: schema_versions
SELECT version FROM podium_schema;

-- name: record_migration
INSERT INTO podium_schema (version, name, applied_at) VALUES (%(version)s, %(name)s, %(now)s);

-- name: current_schema
SELECT current_schema() AS schema;

-- name: create_workflow
-- With a lease owner the workflow is created already claimed by it (app.run).
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, key, input, parent_id,
     created_at, updated_at, ready_at, deadline, lease_owner, lease_epoch, runs)
VALUES (%(id)s, %(workflow)s,
        CASE WHEN %(owner)s::text IS NULL THEN 'pending' ELSE 'running' END, %(queue)s, %(priority)s, %(key)s, %(input)s, %(parent_id)s, %(now)s, %(now)s,
        %(ready_at)s, %(deadline)s, %(owner)s::text,
        CASE WHEN %(owner)s::text IS NULL THEN 0 ELSE 1 END,
        CASE WHEN %(owner)s::text IS NULL THEN 0 ELSE 1 END)
ON CONFLICT (id) DO NOTHING
RETURNING *;

-- name: get_workflow
SELECT * FROM podium_workflows WHERE id = %(id)s;

-- The picked rows are locked with SKIP LOCKED, so concurrent claimers take disjoint sets;
-- MATERIALIZED makes the pick run exactly once (a LIMIT ... SKIP LOCKED subquery that the
-- planner re-scans could lock more rows than the limit). claimed_from = w.status reads the
-- old row, as in SQLite. Rows come back in claiming order.
-- name: claim
WITH picked AS MATERIALIZED (
    SELECT id, ready_at FROM podium_workflows
    WHERE ready_at IS NOT NULL AND ready_at <= %(now)s AND queue = ANY(%(queues)s::text[])
    ORDER BY priority DESC, ready_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE podium_workflows AS w
    SET claimed_from = w.status, woken_at = NULL, status = 'running', lease_owner = %(owner)s,
        lease_epoch = w.lease_epoch + 1, ready_at = %(lease_until)s, updated_at = %(now)s,
        runs = w.runs + 1
    FROM picked
    WHERE w.id = picked.id
    RETURNING w.*, picked.ready_at AS picked_ready_at
)
SELECT * FROM claimed ORDER BY priority DESC, picked_ready_at;

-- name: claim_one
WITH picked AS MATERIALIZED (
    SELECT id FROM podium_workflows
    WHERE id = %(id)s AND ready_at IS NOT NULL AND ready_at <= %(now)s
    FOR UPDATE SKIP LOCKED
)
UPDATE podium_workflows AS w
SET claimed_from = w.status, woken_at = NULL, status = 'running', lease_owner = %(owner)s,
    lease_epoch = w.lease_epoch + 1, ready_at = %(lease_until)s, updated_at = %(now)s,
    runs = w.runs + 1
FROM picked
WHERE w.id = picked.id
RETURNING w.*;

-- name: renew_leases
UPDATE podium_workflows SET ready_at = %(lease_until)s
WHERE id = ANY(%(ids)s) AND lease_owner = %(owner)s AND status = 'running';

-- name: wake
-- A running workflow is only marked (its suspend then readies it); a waiting one is readied.
UPDATE podium_workflows
SET woken_at = %(now)s,
    ready_at = CASE WHEN status = 'waiting' AND (ready_at IS NULL OR ready_at > %(now)s)
                    THEN %(now)s ELSE ready_at END
WHERE id = %(id)s AND status IN ('running', 'waiting');

-- name: load_history
SELECT workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at
FROM podium_history WHERE workflow_id = %(id)s ORDER BY seq;

-- name: load_attempts
SELECT workflow_id, seq, attempt, name, error_type, error_message,
       started_at, finished_at, retry_at
FROM podium_attempts WHERE workflow_id = %(id)s ORDER BY seq, attempt;

-- The fence row is read FOR SHARE: a concurrent claim, cancel or resume of the workflow
-- waits for this insert to commit, or this insert waits for it and re-checks the fence on
-- the new row, so a write never lands after its lease was taken over.
-- name: append_history
INSERT INTO podium_history
    (workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at)
SELECT %(workflow_id)s::text, %(seq)s::integer, %(kind)s::text, %(name)s::text,
       %(status)s::text, %(payload)s::text, %(attempt)s::integer,
       %(started_at)s::double precision, %(finished_at)s::double precision
WHERE EXISTS (
    SELECT 1 FROM podium_workflows
    WHERE id = %(fence_id)s AND lease_owner = %(fence_owner)s
      AND lease_epoch = %(fence_epoch)s AND status = 'running'
    FOR SHARE
)
ON CONFLICT (workflow_id, seq) DO NOTHING;

-- name: record_attempt
INSERT INTO podium_attempts
    (workflow_id, seq, attempt, name, error_type, error_message,
     started_at, finished_at, retry_at)
SELECT %(workflow_id)s::text, %(seq)s::integer, %(attempt)s::integer, %(name)s::text,
       %(error_type)s::text, %(error_message)s::text, %(started_at)s::double precision,
       %(finished_at)s::double precision, %(retry_at)s::double precision
WHERE EXISTS (
    SELECT 1 FROM podium_workflows
    WHERE id = %(fence_id)s AND lease_owner = %(fence_owner)s
      AND lease_epoch = %(fence_epoch)s AND status = 'running'
    FOR SHARE
)
ON CONFLICT (workflow_id, seq, attempt) DO NOTHING;

-- name: suspend
UPDATE podium_workflows
SET status = 'waiting', lease_owner = NULL, updated_at = %(now)s,
    ready_at = CASE WHEN woken_at IS NULL THEN %(wake_at)s::double precision ELSE %(now)s END
WHERE id = %(fence_id)s AND lease_owner = %(fence_owner)s
  AND lease_epoch = %(fence_epoch)s AND status = 'running';

-- name: release
UPDATE podium_workflows
SET status = 'pending', ready_at = %(now)s, lease_owner = NULL, updated_at = %(now)s
WHERE id = %(fence_id)s AND lease_owner = %(fence_owner)s
  AND lease_epoch = %(fence_epoch)s AND status = 'running';

-- name: finish
UPDATE podium_workflows
SET status = %(status)s, output = %(output)s, error_type = %(error_type)s,
    error_message = %(error_message)s, error_traceback = %(error_traceback)s,
    ready_at = NULL, lease_owner = NULL, updated_at = %(now)s
WHERE id = %(fence_id)s AND lease_owner = %(fence_owner)s
  AND lease_epoch = %(fence_epoch)s AND status = 'running';

-- name: cancel
UPDATE podium_workflows
SET status = 'cancelled', ready_at = NULL, lease_owner = NULL,
    lease_epoch = lease_epoch + 1, updated_at = %(now)s,
    error_type = 'WorkflowCancelled', error_message = 'cancelled on request'
WHERE id = %(id)s AND status IN ('pending', 'running', 'waiting')
RETURNING *;

-- name: resume
UPDATE podium_workflows
SET status = 'pending', ready_at = %(now)s, updated_at = %(now)s, lease_owner = NULL,
    lease_epoch = lease_epoch + 1, output = NULL,
    error_type = NULL, error_message = NULL, error_traceback = NULL
WHERE id = %(id)s AND status IN ('failed', 'cancelled')
RETURNING *;

-- name: drop_failed_tail
DELETE FROM podium_history
WHERE workflow_id = %(id)s AND status = 'failed' AND seq > COALESCE(
    (SELECT MAX(seq) FROM podium_history WHERE workflow_id = %(id)s AND status != 'failed'), -1);

-- name: drop_open_attempts
DELETE FROM podium_attempts
WHERE workflow_id = %(id)s AND seq > COALESCE(
    (SELECT MAX(seq) FROM podium_history WHERE workflow_id = %(id)s AND status != 'failed'), -1);
