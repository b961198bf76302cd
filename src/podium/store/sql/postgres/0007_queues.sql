-- podium schema 0007 (PostgreSQL): queue-based load leveling. See podium.store.queues.

-- One row per queue with limits (written by the Apps that define it, upsert). A queue with
-- no row, or a row without concurrency/per-key/rate limits, is claimed by the plain claim.
-- Claims and bounded starts of a limited queue lock its row: they serialize per queue.
CREATE TABLE podium_queues (
    name                text PRIMARY KEY,
    concurrency         integer,
    per_key_concurrency integer,
    rate_limit          integer,
    rate_period         double precision,
    max_depth           integer,
    priority            integer NOT NULL DEFAULT 1,
    updated_at          double precision NOT NULL
);

-- The workflows of limited queues that a claim made running. An entry counts against the
-- queue's limits while its workflow is still running; later claims drop the others. Kept
-- apart from podium_workflows so unlimited queues pay nothing for it.
CREATE TABLE podium_queue_running (
    workflow_id text PRIMARY KEY,
    queue       text NOT NULL,
    key         text,
    claimed_at  double precision NOT NULL
);
CREATE INDEX podium_queue_running_queue ON podium_queue_running (queue, key);

-- First claims (starts) of rate-limited queues inside the current window (older ones pruned).
CREATE TABLE podium_queue_starts (
    queue       text NOT NULL,
    workflow_id text NOT NULL,
    started_at  double precision NOT NULL,
    PRIMARY KEY (queue, workflow_id)
);
CREATE INDEX podium_queue_starts_at ON podium_queue_starts (queue, started_at);
