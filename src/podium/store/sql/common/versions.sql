-- Queries of continue-as-new, history archives and forks (podium.store.versions), every
-- dialect. Each block starts with "-- name: NAME"; values are bound parameters :like_this.

-- name: continue_workflow
-- The fence of continue-as-new: the run still holds its lease. The new arguments replace the
-- input; the run then releases the workflow, and its next claim starts the fresh history.
UPDATE podium_workflows
SET input = :input, updated_at = :now
WHERE id = :fence_id AND lease_owner = :fence_owner
  AND lease_epoch = :fence_epoch AND status = 'running';

-- name: next_generation
SELECT COALESCE(MAX(generation), 0) + 1 AS generation
FROM podium_history_archive WHERE workflow_id = :id;

-- name: archive_history
INSERT INTO podium_history_archive
    (workflow_id, generation, seq, kind, name, status, payload, attempt,
     started_at, finished_at, archived_at)
SELECT workflow_id, :generation, seq, kind, name, status, payload, attempt,
       started_at, finished_at, :now
FROM podium_history WHERE workflow_id = :id;

-- name: archive_event
INSERT INTO podium_history_archive
    (workflow_id, generation, seq, kind, name, status, payload, attempt,
     started_at, finished_at, archived_at)
VALUES (:workflow_id, :generation, :seq, :kind, :name, :status, :payload, :attempt,
        :started_at, :finished_at, :now);

-- name: clear_history
DELETE FROM podium_history WHERE workflow_id = :id;

-- name: clear_attempts
DELETE FROM podium_attempts WHERE workflow_id = :id;

-- name: generations
SELECT COALESCE(MAX(generation), 0) AS generations
FROM podium_history_archive WHERE workflow_id = :id;

-- name: archived_history
SELECT workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at
FROM podium_history_archive
WHERE workflow_id = :id AND generation = :generation ORDER BY seq;

-- name: history_length
SELECT COALESCE(MAX(seq) + 1, 0) AS length FROM podium_history WHERE workflow_id = :id;

-- name: fork_workflow
-- A copy of a finished workflow, pending at once, under a new id. runs = 1 counts the run
-- whose history it copies, so its first claim replays that history. A deadline keeps its
-- length from the fork's creation.
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, key, input, parent_id,
     created_at, updated_at, claimable_at, deadline, lease_owner, lease_epoch, runs)
SELECT :new_id, workflow, 'pending', queue, priority, NULL, input, NULL,
       :now, :now, :now,
       CASE WHEN deadline IS NULL THEN NULL
            ELSE CAST(:now AS DOUBLE PRECISION) + (deadline - created_at) END,
       NULL, 0, 1
FROM podium_workflows WHERE id = :source_id
ON CONFLICT (id) DO NOTHING;

-- name: fork_history
INSERT INTO podium_history
    (workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at)
SELECT :new_id, seq, kind, name, status, payload, attempt, started_at, finished_at
FROM podium_history WHERE workflow_id = :source_id AND seq < :from_step;

-- name: fork_attempts
INSERT INTO podium_attempts
    (workflow_id, seq, attempt, name, error_type, error_message,
     started_at, finished_at, retry_at)
SELECT :new_id, seq, attempt, name, error_type, error_message,
       started_at, finished_at, retry_at
FROM podium_attempts WHERE workflow_id = :source_id AND seq < :from_step;

-- name: record_fork
INSERT INTO podium_forks (id, source_id, from_step, created_at)
VALUES (:new_id, :source_id, :from_step, :now);

-- name: get_fork
SELECT id, source_id, from_step, created_at FROM podium_forks WHERE id = :id;
