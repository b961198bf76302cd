-- Fan-out queries (PostgreSQL), loaded by podium.store.children. Lists travel as JSON text.

-- name: hold_parent
-- Inside the creating transaction: the parent still runs under this lease (row locked).
SELECT id FROM podium_workflows
WHERE id = :id AND lease_owner = :owner AND lease_epoch = :epoch
  AND status = 'running'
FOR UPDATE;

-- name: create_children
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, input, parent_id,
     created_at, updated_at, claimable_at, deadline, lease_epoch, runs)
SELECT c.id, c.workflow, 'pending', c.queue, c.priority, c.input, :parent_id,
       :now, :now, :now, c.deadline, 0, 0
FROM jsonb_to_recordset(:children::jsonb)
    AS c(id text, workflow text, queue text, priority integer, input text,
         deadline double precision)
ON CONFLICT (id) DO NOTHING;

-- name: record_positions
INSERT INTO podium_history
    (workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at)
SELECT :parent_id, c.seq, 'child', c.name, 'completed', c.payload, 1, :now, :now
FROM jsonb_to_recordset(:children::jsonb) AS c(seq integer, name text, payload text)
ON CONFLICT (workflow_id, seq) DO NOTHING;

-- name: statuses
SELECT id, workflow, status, output, error_type, error_message FROM podium_workflows
WHERE id IN (SELECT jsonb_array_elements_text(:ids::jsonb));

-- name: open_among
SELECT COUNT(*) AS n FROM podium_workflows
WHERE id IN (SELECT jsonb_array_elements_text(:ids::jsonb)) AND status IN ('pending', 'running', 'waiting');

-- fragment: descendants_to_cancel
-- The ids of `tree` that cancel_descendants (common/children.sql) updates: their rows are
-- locked in id order first (see renew_leases in workflows.sql).
    SELECT id FROM podium_workflows
    WHERE id IN (SELECT id FROM tree) AND status IN ('pending', 'running', 'waiting')
    ORDER BY id
    FOR NO KEY UPDATE

-- name: set_wait
-- The parent's row is locked FOR UPDATE first: a child's end in progress (which holds it
-- FOR KEY SHARE, see lock_parent in workflows.sql) commits before this wait does, so the
-- parent's look at its children after storing the wait sees that end.
WITH parent AS (SELECT id FROM podium_workflows WHERE id = :id FOR UPDATE)
INSERT INTO podium_child_waits (workflow_id, at_most)
SELECT id, :at_most FROM parent
ON CONFLICT (workflow_id) DO UPDATE SET at_most = excluded.at_most;
