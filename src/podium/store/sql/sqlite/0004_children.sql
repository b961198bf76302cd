-- podium schema 0004 (SQLite): fan-out. A child is a podium_workflows row with parent_id set;
-- a parent waiting for children keeps here how many of them may still be open when it is woken.

CREATE TABLE podium_child_waits (
    workflow_id TEXT PRIMARY KEY,
    at_most     INTEGER NOT NULL
) WITHOUT ROWID;

-- Counting a parent's open children (each child's end asks) reads only the open ones.
CREATE INDEX podium_workflows_open_children
    ON podium_workflows (parent_id)
    WHERE parent_id IS NOT NULL AND status IN ('pending', 'running', 'waiting');
