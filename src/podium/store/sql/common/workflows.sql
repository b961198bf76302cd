-- The core store's queries that every dialect shares (podium.store.workflows). Each block
-- starts with "-- name: NAME"; values are bound parameters named :like_this. The queries
-- whose SQL differs per dialect (claiming, lease renewal, fenced inserts) are in
-- <dialect>/workflows.sql.
--
-- claimable_at is when a claimer may next take the workflow: for a pending or waiting one,
-- when it may run; for a running one, when its lease expires (a takeover); NULL once finished.

-- name: create_workflow
-- status, lease_epoch and runs say whether it is created already claimed (app.run).
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, key, input, parent_id,
     created_at, updated_at, claimable_at, deadline, lease_owner, lease_epoch, runs)
VALUES (:id, :workflow, :status, :queue, :priority, :key, :input, :parent_id, :now, :now,
        :claimable_at, :deadline, :owner, :lease_epoch, :runs)
ON CONFLICT (id) DO NOTHING;

-- name: get_workflow
SELECT * FROM podium_workflows WHERE id = :id;

-- name: wake
-- A running workflow is only marked (its suspend then readies it); a waiting one is readied.
UPDATE podium_workflows
SET woken_at = :now,
    claimable_at = CASE WHEN status = 'waiting' AND (claimable_at IS NULL OR claimable_at > :now)
                        THEN :now ELSE claimable_at END
WHERE id = :id AND status IN ('running', 'waiting');

-- name: load_history
SELECT workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at
FROM podium_history WHERE workflow_id = :id ORDER BY seq;

-- name: load_attempts
SELECT workflow_id, seq, attempt, name, error_type, error_message,
       started_at, finished_at, retry_at
FROM podium_attempts WHERE workflow_id = :id ORDER BY seq, attempt;

-- name: suspend
-- A wake that arrived while this run was deciding to wait makes the workflow ready at once.
UPDATE podium_workflows
SET status = 'waiting', lease_owner = NULL, updated_at = :now,
    claimable_at = CASE WHEN woken_at IS NULL THEN CAST(:wake_at AS DOUBLE PRECISION)
                        ELSE :now END
WHERE id = :fence_id AND lease_owner = :fence_owner
  AND lease_epoch = :fence_epoch AND status = 'running';

-- name: release
UPDATE podium_workflows
SET status = 'pending', claimable_at = :now, lease_owner = NULL, updated_at = :now
WHERE id = :fence_id AND lease_owner = :fence_owner
  AND lease_epoch = :fence_epoch AND status = 'running';

-- name: finish
UPDATE podium_workflows
SET status = :status, output = :output, error_type = :error_type,
    error_message = :error_message, error_traceback = :error_traceback,
    claimable_at = NULL, lease_owner = NULL, updated_at = :now
WHERE id = :fence_id AND lease_owner = :fence_owner
  AND lease_epoch = :fence_epoch AND status = 'running';

-- name: cancel
UPDATE podium_workflows
SET status = 'cancelled', claimable_at = NULL, lease_owner = NULL,
    lease_epoch = lease_epoch + 1, updated_at = :now,
    error_type = 'WorkflowCancelled', error_message = 'cancelled on request'
WHERE id = :id AND status IN ('pending', 'running', 'waiting')
RETURNING *;

-- name: resume
UPDATE podium_workflows
SET status = 'pending', claimable_at = :now, updated_at = :now, lease_owner = NULL,
    lease_epoch = lease_epoch + 1, output = NULL,
    error_type = NULL, error_message = NULL, error_traceback = NULL
WHERE id = :id AND status IN ('failed', 'cancelled')
RETURNING *;

-- name: drop_failed_tail
DELETE FROM podium_history
WHERE workflow_id = :id AND status = 'failed' AND seq > COALESCE(
    (SELECT MAX(seq) FROM podium_history WHERE workflow_id = :id AND status != 'failed'), -1);

-- name: drop_open_attempts
DELETE FROM podium_attempts
WHERE workflow_id = :id AND seq > COALESCE(
    (SELECT MAX(seq) FROM podium_history WHERE workflow_id = :id AND status != 'failed'), -1);

-- name: keep_attempt
-- Run by resume before it clears the outcome: the ended attempt (failed or cancelled) is
-- copied, numbered after the ones kept before, with the claims (runs) it took. A concurrent resume of the same workflow
-- collides on the key and keeps nothing (its own update then finds the workflow pending).
INSERT INTO podium_workflow_attempts
    (workflow_id, attempt, status, error_type, error_message, error_traceback, runs,
     started_at, ended_at, resumed_at)
SELECT w.id,
       (SELECT count(*) FROM podium_workflow_attempts a WHERE a.workflow_id = w.id) + 1,
       w.status, w.error_type, w.error_message, w.error_traceback,
       w.runs - COALESCE((SELECT sum(a.runs) FROM podium_workflow_attempts a
                          WHERE a.workflow_id = w.id), 0),
       COALESCE((SELECT max(a.resumed_at) FROM podium_workflow_attempts a
                 WHERE a.workflow_id = w.id), w.created_at),
       w.updated_at, :now
FROM podium_workflows w
WHERE w.id = :id AND w.status IN ('failed', 'cancelled')
ON CONFLICT (workflow_id, attempt) DO NOTHING;

-- name: load_workflow_attempts
SELECT workflow_id, attempt, status, error_type, error_message, error_traceback, runs,
       started_at, ended_at, resumed_at
FROM podium_workflow_attempts WHERE workflow_id = :id ORDER BY attempt;

-- name: beat_worker
INSERT INTO podium_workers (owner, app, queues, workflows, started_at, beat_at, expires_at)
VALUES (:owner, :app, :queues, :workflows, :now, :now, :expires_at)
ON CONFLICT (owner) DO UPDATE SET
    queues = excluded.queues, workflows = excluded.workflows,
    beat_at = excluded.beat_at, expires_at = excluded.expires_at;

-- name: forget_worker
DELETE FROM podium_workers WHERE owner = :owner;

-- name: forget_dead_workers
DELETE FROM podium_workers WHERE expires_at < :before;

-- name: live_workers
SELECT owner, app, queues, workflows, started_at, beat_at, expires_at
FROM podium_workers WHERE expires_at > :now ORDER BY started_at, owner;

-- name: next_due
-- The earliest moment after :now at which a row of :queue becomes claimable (a timer, a
-- delayed start, a retry's backoff or a lease ending), for a worker that found nothing due
-- and would otherwise sleep a whole poll interval. Like the claim it walks the queue's
-- priority levels (one index seek each) and seeks each level's first row after :now, so it
-- never reads the rows waiting beyond that, however many there are.
-- include: queue_levels
SELECT min((SELECT min(w.claimable_at) FROM podium_workflows AS w
            WHERE w.queue = :queue AND w.priority = levels.priority
              AND w.claimable_at > :now AND w.paused_at IS NULL
-- include: claimable_name
            )) AS due
FROM levels WHERE levels.priority IS NOT NULL;

-- name: wake_if_due
-- A child's end (WorkflowStore._finish_child) runs this after `finish`, in the same commit:
-- the core `wake`, if the parent waits and at most its wait's at_most children are open
-- (counted no further than at_most + 1; the limit reads the wait again, since SQLite's LIMIT
-- cannot name the outer row). On SQLite the one writer orders the parent's storing of its
-- wait and this commit; on PostgreSQL lock_child_wait does, and this new statement sees the
-- ends committed while that lock waited.
UPDATE podium_workflows
SET woken_at = :now,
    claimable_at = CASE WHEN status = 'waiting' AND (claimable_at IS NULL OR claimable_at > :now)
                        THEN :now ELSE claimable_at END
WHERE id = :parent_id AND status IN ('running', 'waiting') AND EXISTS (
    SELECT 1 FROM podium_child_waits AS w
    WHERE w.workflow_id = :parent_id AND (
        SELECT COUNT(*) FROM (
            SELECT 1 FROM podium_workflows
            WHERE parent_id = :parent_id AND status IN ('pending', 'running', 'waiting')
            LIMIT (SELECT at_most + 1 FROM podium_child_waits WHERE workflow_id = :parent_id)
        ) AS open_rows
    ) <= w.at_most
);
