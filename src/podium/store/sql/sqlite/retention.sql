-- Named queries of retention that differ on SQLite: the id-list membership test.

-- name: children_of
SELECT id, status, parent_id FROM podium_workflows WHERE parent_id IN (SELECT value FROM json_each(:ids));

-- name: delete_workflows
-- Deletes only what is still finished: a workflow resumed meanwhile stays.
DELETE FROM podium_workflows
WHERE id IN (SELECT value FROM json_each(:ids)) AND status IN ('completed', 'failed', 'cancelled')
RETURNING id;

-- name: delete_history
DELETE FROM podium_history WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_attempts
DELETE FROM podium_attempts WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_waits
DELETE FROM podium_waits WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_messages
DELETE FROM podium_messages WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_child_waits
DELETE FROM podium_child_waits WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_trace_context
DELETE FROM podium_trace_context WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_queue_running
DELETE FROM podium_queue_running WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_queue_starts
DELETE FROM podium_queue_starts WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_workflow_attempts
DELETE FROM podium_workflow_attempts WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_workflow_state
DELETE FROM podium_workflow_state WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_update_results
DELETE FROM podium_update_results WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_search
DELETE FROM podium_search WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_history_archive
DELETE FROM podium_history_archive WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_debounce
DELETE FROM podium_debounce WHERE workflow_id IN (SELECT value FROM json_each(:ids));

-- name: delete_forks
DELETE FROM podium_forks WHERE id IN (SELECT value FROM json_each(:ids));
