-- The core store's queries that are SQLite's own (podium.store.workflows); the shared ones
-- are in common/workflows.sql. Lists of ids arrive as JSON arrays (read with json_each);
-- {queue_rows} is one VALUES row per queue, a placeholder each.
--
-- A claimer takes only workflows whose name it has registered (:workflows), unless
-- :any_workflow says it runs any; the name is a filter on the rows the claim index yields.
-- :workflows is one string with a NUL around each name (`queries.name_filter`), searched
-- with instr: unlike json_each, it builds no table of the names on every claim.

-- fragment: claim_set
UPDATE podium_workflows
SET claimed_from = status, woken_at = NULL, status = 'running', lease_owner = :owner,
    lease_epoch = lease_epoch + 1, claimable_at = :lease_until, updated_at = :now,
    runs = runs + 1

-- fragment: due_of_levels
-- The first due rows of each of `levels` (at most :limit each, from the index in order), in
-- claiming order: the candidates a claim takes its :limit rows from.
        SELECT w.id FROM levels JOIN podium_workflows AS w
        ON levels.priority IS NOT NULL AND w.id IN (
            SELECT id FROM podium_workflows
            WHERE queue = levels.queue AND priority = levels.priority
              AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
              AND (:any_workflow OR instr(:workflows, char(0) || workflow || char(0)))
            ORDER BY claimable_at
            LIMIT :limit
        )
        ORDER BY w.priority DESC, w.claimable_at, w.rowid

-- name: claim
-- The walk starts at the due end of the claim index for each (queue, priority) level:
-- `levels` lists a queue's distinct priorities from the highest down, one index seek each,
-- and each level reads only its due rows (claimable_at <= :now) in order, at most :limit.
-- Rows not yet due (sleeping, delayed, leased) are never read, however many there are.
-- include: claim_set
WHERE id IN (
    WITH RECURSIVE queues(name) AS (VALUES {queue_rows}),
    levels(queue, priority) AS (
        SELECT queues.name,
               (SELECT max(priority) FROM podium_workflows
                WHERE queue = queues.name AND claimable_at IS NOT NULL)
        FROM queues
-- include: next_level
    )
-- include: due_of_levels
    LIMIT :limit
)
RETURNING *;

-- name: claim_queue
-- `claim` of one queue (the same rows), cheaper when its highest priority has :limit due
-- rows, as a busy queue has: the first arm takes them with one index seek, and the
-- compound's LIMIT then skips the second arm, so the walk of the lower levels (and the sort
-- of their candidates) runs only for what the first left.
-- include: claim_set
WHERE id IN (
    WITH RECURSIVE levels(queue, priority) AS (
        SELECT :q0, (SELECT max(w.priority) FROM podium_workflows AS w
                     WHERE w.queue = :q0 AND w.claimable_at IS NOT NULL
                       AND w.priority < (SELECT max(priority) FROM podium_workflows
                                         WHERE queue = :q0 AND claimable_at IS NOT NULL))
-- include: next_level
    )
    SELECT id FROM (
        SELECT id FROM podium_workflows
        WHERE queue = :q0 AND claimable_at IS NOT NULL AND claimable_at <= :now
          AND paused_at IS NULL
          AND priority = (SELECT max(priority) FROM podium_workflows
                          WHERE queue = :q0 AND claimable_at IS NOT NULL)
          AND (:any_workflow OR instr(:workflows, char(0) || workflow || char(0)))
        ORDER BY claimable_at
        LIMIT :limit
    )
    UNION ALL
    SELECT id FROM (
-- include: due_of_levels
    )
    LIMIT :limit
)
RETURNING *;

-- name: claim_one
-- include: claim_set
WHERE id = :id AND claimable_at IS NOT NULL AND claimable_at <= :now AND paused_at IS NULL
  AND (:any_workflow OR instr(:workflows, char(0) || workflow || char(0)))
RETURNING *;

-- name: renew_leases
UPDATE podium_workflows SET claimable_at = :lease_until
WHERE id IN (SELECT value FROM json_each(:ids)) AND lease_owner = :owner
  AND status = 'running';

-- fragment: fence_holds
-- The fence of a fenced insert (append_history, record_attempt).
WHERE EXISTS (
    SELECT 1 FROM podium_workflows
    WHERE id = :fence_id AND lease_owner = :fence_owner AND lease_epoch = :fence_epoch
      AND status = 'running'
)

-- name: append_history
INSERT INTO podium_history
    (workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at)
SELECT :workflow_id, :seq, :kind, :name, :status, :payload, :attempt, :started_at,
       :finished_at
-- include: fence_holds
ON CONFLICT (workflow_id, seq) DO NOTHING;

-- name: record_attempt
INSERT INTO podium_attempts
    (workflow_id, seq, attempt, name, error_type, error_message,
     started_at, finished_at, retry_at)
SELECT :workflow_id, :seq, :attempt, :name, :error_type, :error_message, :started_at,
       :finished_at, :retry_at
-- include: fence_holds
ON CONFLICT (workflow_id, seq, attempt) DO NOTHING;

-- fragment: claimable_name
-- The claim's name filter on a row aliased w (next_due in common/workflows.sql).
              AND (:any_workflow OR instr(:workflows, char(0) || w.workflow || char(0)))
