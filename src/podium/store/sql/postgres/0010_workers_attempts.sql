-- podium schema 0010 (PostgreSQL): live workers, and each attempt of a workflow kept on resume.

-- One row per running worker, written when it starts and on every heartbeat, deleted when
-- it stops: which queues it serves and which workflow names it can run (JSON arrays). A
-- row whose expires_at passed is a worker that died, and readers ignore it. `podium show`/`ls`,
-- the API and the dashboard read it to say "no live worker knows this workflow".
CREATE TABLE podium_workers (
    owner      TEXT PRIMARY KEY,
    app        TEXT NOT NULL,
    queues     TEXT NOT NULL,
    workflows  TEXT NOT NULL,
    started_at DOUBLE PRECISION NOT NULL,
    beat_at    DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);

-- The ended attempts of a workflow: `resume` copies the failed or cancelled outcome here in
-- the transaction that clears it from the workflow row, so no error is ever lost. The
-- attempt in progress (or the last one) is the workflow row itself.
CREATE TABLE podium_workflow_attempts (
    workflow_id     TEXT NOT NULL,
    attempt         INTEGER NOT NULL,
    status          TEXT NOT NULL,
    error_type      TEXT,
    error_message   TEXT,
    error_traceback TEXT,
    runs            INTEGER NOT NULL,
    started_at      DOUBLE PRECISION NOT NULL,
    ended_at        DOUBLE PRECISION NOT NULL,
    resumed_at      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (workflow_id, attempt)
);
