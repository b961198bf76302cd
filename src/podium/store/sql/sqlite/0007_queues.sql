-- podium schema 0007 (SQLite): queue-based load leveling. See podium.store.queues.

-- One row per queue with limits (written by the Apps that define it, upsert). A queue with
-- no row, or a row without concurrency/per-key/rate limits, is claimed by the plain claim.
CREATE TABLE podium_queues (
    name                TEXT PRIMARY KEY,
    concurrency         INTEGER,
    per_key_concurrency INTEGER,
    rate_limit          INTEGER,
    rate_period         REAL,
    max_depth           INTEGER,
    priority            INTEGER NOT NULL DEFAULT 1,
    updated_at          REAL NOT NULL
);

-- The workflows of limited queues that a claim made running. An entry counts against the
-- queue's limits while its workflow is still running; later claims drop the others. Kept
-- apart from podium_workflows so unlimited queues pay nothing for it.
CREATE TABLE podium_queue_running (
    workflow_id TEXT PRIMARY KEY,
    queue       TEXT NOT NULL,
    key         TEXT,
    claimed_at  REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX podium_queue_running_queue ON podium_queue_running (queue, key);

-- First claims (starts) of rate-limited queues inside the current window (older ones pruned).
CREATE TABLE podium_queue_starts (
    queue       TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    started_at  REAL NOT NULL,
    PRIMARY KEY (queue, workflow_id)
) WITHOUT ROWID;
CREATE INDEX podium_queue_starts_at ON podium_queue_starts (queue, started_at);
