-- Pausing workflows, the state snapshot queries read, and update outcomes
-- (podium.store.operate). Each block starts with "-- name: NAME"; values are :named.

-- name: pause
-- Only an unfinished workflow is paused; pausing a paused one changes nothing.
UPDATE podium_workflows SET paused_at = :now, updated_at = :now
WHERE id = :id AND status IN ('pending', 'running', 'waiting') AND paused_at IS NULL;

-- name: unpause
-- Unpausing wakes it as `wake` does: a waiting one is ready now, a running one is marked so
-- that its suspend (a paused run suspends before its next step) readies it at once.
UPDATE podium_workflows
SET paused_at = NULL, updated_at = :now,
    woken_at = CASE WHEN status IN ('running', 'waiting') THEN :now ELSE woken_at END,
    claimable_at = CASE WHEN status = 'waiting' AND (claimable_at IS NULL OR claimable_at > :now)
                        THEN :now ELSE claimable_at END
WHERE id = :id AND paused_at IS NOT NULL;

-- name: paused_at
SELECT paused_at FROM podium_workflows WHERE id = :id;

-- name: any_paused
-- Whether any workflow is paused at all (the partial index podium_workflows_paused). ORDER BY
-- id makes that index the plan on PostgreSQL even without statistics (a table autovacuum has
-- not analyzed yet): without it the planner guessed most rows paused and scanned the table
-- (87 ms at 100,000 rows, run by every worker process once a second).
SELECT 1 AS paused FROM podium_workflows WHERE paused_at IS NOT NULL ORDER BY id LIMIT 1;

-- name: get_state
SELECT state, seq FROM podium_workflow_state WHERE workflow_id = :id;

-- name: put_state
INSERT INTO podium_workflow_state (workflow_id, state, seq, updated_at)
VALUES (:id, :state, :seq, :now)
ON CONFLICT (workflow_id) DO UPDATE SET
    state = excluded.state, seq = excluded.seq, updated_at = excluded.updated_at
WHERE podium_workflow_state.seq < excluded.seq;

-- name: put_result
INSERT INTO podium_update_results
    (workflow_id, update_id, name, outcome, result, error, seq, applied_at)
VALUES (:id, :update_id, :name, :outcome, :result, :error, :seq, :now)
ON CONFLICT (workflow_id, update_id) DO NOTHING;

-- name: get_result
SELECT update_id, name, outcome, result, error, seq FROM podium_update_results
WHERE workflow_id = :id AND update_id = :update_id;
