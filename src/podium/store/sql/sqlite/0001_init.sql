-- podium schema, version 1 (SQLite).

CREATE TABLE podium_workflows (
    id              TEXT PRIMARY KEY,
    workflow        TEXT NOT NULL,
    status          TEXT NOT NULL,
    queue           TEXT NOT NULL DEFAULT 'default',
    priority        INTEGER NOT NULL DEFAULT 0,
    key             TEXT,
    input           TEXT,
    output          TEXT,
    error_type      TEXT,
    error_message   TEXT,
    error_traceback TEXT,
    parent_id       TEXT,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    ready_at        REAL,
    deadline        REAL,
    lease_owner     TEXT,
    lease_epoch     INTEGER NOT NULL DEFAULT 0,
    runs            INTEGER NOT NULL DEFAULT 0,
    claimed_from    TEXT,
    woken_at        REAL
);

-- Claiming scans only workflows that can become runnable (ready_at is NULL once finished).
CREATE INDEX podium_workflows_ready
    ON podium_workflows (queue, priority DESC, ready_at) WHERE ready_at IS NOT NULL;
CREATE INDEX podium_workflows_created ON podium_workflows (created_at DESC);
-- Only failed workflows get a status index: most listings walk created_at, and indexing a
-- column that changes on every claim and finish would cost each of those commits.
CREATE INDEX podium_workflows_failed
    ON podium_workflows (created_at DESC) WHERE status = 'failed';
CREATE INDEX podium_workflows_parent
    ON podium_workflows (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE podium_history (
    workflow_id TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    payload     TEXT,
    attempt     INTEGER NOT NULL DEFAULT 1,
    started_at  REAL,
    finished_at REAL,
    PRIMARY KEY (workflow_id, seq)
) WITHOUT ROWID;

CREATE TABLE podium_attempts (
    workflow_id   TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    attempt       INTEGER NOT NULL,
    name          TEXT NOT NULL,
    error_type    TEXT NOT NULL,
    error_message TEXT NOT NULL,
    started_at    REAL NOT NULL,
    finished_at   REAL NOT NULL,
    retry_at      REAL,
    PRIMARY KEY (workflow_id, seq, attempt)
) WITHOUT ROWID;
