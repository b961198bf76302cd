-- Fan-out queries (SQLite), loaded by podium.store.children. Lists travel as JSON text.

-- name: hold_parent
-- Inside the creating transaction: the parent still runs under this lease.
SELECT id FROM podium_workflows
WHERE id = :id AND lease_owner = :owner AND lease_epoch = :epoch AND status = 'running';

-- name: create_children
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, input, parent_id,
     created_at, updated_at, claimable_at, deadline, lease_epoch, runs)
SELECT json_extract(value, '$.id'), json_extract(value, '$.workflow'), 'pending',
       json_extract(value, '$.queue'), json_extract(value, '$.priority'),
       json_extract(value, '$.input'), :parent_id, :now, :now, :now,
       json_extract(value, '$.deadline'), 0, 0
FROM json_each(:children) WHERE true
ON CONFLICT (id) DO NOTHING;

-- name: record_positions
INSERT INTO podium_history
    (workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at)
SELECT :parent_id, json_extract(value, '$.seq'), 'child', json_extract(value, '$.name'),
       'completed', json_extract(value, '$.payload'), 1, :now, :now
FROM json_each(:children) WHERE true
ON CONFLICT (workflow_id, seq) DO NOTHING;

-- name: statuses
SELECT id, workflow, status, output, error_type, error_message FROM podium_workflows
WHERE id IN (SELECT value FROM json_each(:ids));

-- name: open_among
SELECT COUNT(*) AS n FROM podium_workflows
WHERE id IN (SELECT value FROM json_each(:ids)) AND status IN ('pending', 'running', 'waiting');

-- fragment: descendants_to_cancel
-- The ids of `tree` that cancel_descendants (common/children.sql) updates: all of them.
    SELECT id FROM tree

-- name: set_wait
INSERT INTO podium_child_waits (workflow_id, at_most) VALUES (:id, :at_most)
ON CONFLICT (workflow_id) DO UPDATE SET at_most = excluded.at_most;
