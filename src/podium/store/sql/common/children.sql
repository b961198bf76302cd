-- The children queries every dialect shares; the ones whose SQL differs are in
-- <dialect>/children.sql. Each block starts with "-- name: NAME"; values are bound
-- parameters named :like_this.

-- name: open_children
SELECT COUNT(*) AS n FROM podium_workflows
WHERE parent_id = :parent_id AND status IN ('pending', 'running', 'waiting');

-- name: open_children_upto
-- The open children of :parent_id, counted no further than :upto: whether a wait for "at
-- most N open" is over costs N + 1 index entries, not one per open child (a gather is N = 0).
SELECT COUNT(*) AS n FROM (
    SELECT 1 FROM podium_workflows
    WHERE parent_id = :parent_id AND status IN ('pending', 'running', 'waiting')
    LIMIT :upto
) AS open_rows;

-- name: clear_wait
DELETE FROM podium_child_waits WHERE workflow_id = :id;

-- name: wait_of
SELECT at_most FROM podium_child_waits WHERE workflow_id = :id;

-- name: ready_descendants
WITH RECURSIVE tree(id) AS (
    SELECT id FROM podium_workflows WHERE parent_id = :id
    UNION
    SELECT w.id FROM podium_workflows AS w JOIN tree ON w.parent_id = tree.id
)
SELECT id FROM podium_workflows
WHERE id IN (SELECT id FROM tree) AND claimable_at IS NOT NULL AND claimable_at <= :now
ORDER BY claimable_at LIMIT :limit;

-- name: cancel_descendants
-- Every open descendant of :id, to any depth; the dialect's descendants_to_cancel picks them.
UPDATE podium_workflows
SET status = 'cancelled', claimable_at = NULL, lease_owner = NULL,
    lease_epoch = lease_epoch + 1, updated_at = :now,
    error_type = 'WorkflowCancelled', error_message = 'cancelled with its parent'
WHERE status IN ('pending', 'running', 'waiting') AND id IN (
    WITH RECURSIVE tree(id) AS (
        SELECT id FROM podium_workflows WHERE parent_id = :id
        UNION
        SELECT w.id FROM podium_workflows AS w JOIN tree ON w.parent_id = tree.id
    )
-- include: descendants_to_cancel
);
