-- podium schema 0011 (postgres): pausing workflows and queues; the state queries and updates see.
-- See podium.store.operate.

-- A paused workflow is not claimed (every claim query filters on paused_at IS NULL); a run
-- in progress finishes its step in flight and then suspends before its next step.
ALTER TABLE podium_workflows ADD COLUMN paused_at DOUBLE PRECISION;
-- Only paused workflows are indexed: the step gate asks "is any paused?" once a second.
CREATE INDEX podium_workflows_paused ON podium_workflows (id) WHERE paused_at IS NOT NULL;

-- A paused queue is not claimed from (workers drop it from the queues they claim). Queues
-- without limits get a row when paused; app.queue() upserts never touch this column.
ALTER TABLE podium_queues ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;

-- The state a workflow declared with podium.state(): the snapshot queries read. Written in
-- the transaction of the history row that changed it (declaration, update, wait_condition).
CREATE TABLE podium_workflow_state (
    workflow_id TEXT PRIMARY KEY,
    state       TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    updated_at  DOUBLE PRECISION NOT NULL
);

-- The outcome of each applied update, written in the transaction of its history row, so the
-- caller (which may be another process) finds its answer once, and a retried update id finds
-- the same answer.
CREATE TABLE podium_update_results (
    workflow_id TEXT NOT NULL,
    update_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    result      TEXT,
    error       TEXT,
    seq         INTEGER NOT NULL,
    applied_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (workflow_id, update_id)
);
