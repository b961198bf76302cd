-- podium schema 0013 (SQLite): histories kept by continue-as-new, and where forks came from.

-- `podium.continue_as_new(...)` ends a run and starts a fresh history under the same id; the
-- history it ends is moved here in the same transaction, numbered by generation (1 for the
-- first run continued), so earlier runs stay inspectable and the live history stays small.
CREATE TABLE podium_history_archive (
    workflow_id TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    payload     TEXT,
    attempt     INTEGER NOT NULL DEFAULT 1,
    started_at  REAL,
    finished_at REAL,
    archived_at REAL NOT NULL,
    PRIMARY KEY (workflow_id, generation, seq)
) WITHOUT ROWID;

-- One row per `app.fork(...)`: the new workflow, the one it copied, and the first position
-- it ran again with today's code (positions before it were copied).
CREATE TABLE podium_forks (
    id         TEXT PRIMARY KEY,
    source_id  TEXT NOT NULL,
    from_step  INTEGER NOT NULL,
    created_at REAL NOT NULL
) WITHOUT ROWID;

CREATE INDEX podium_forks_source ON podium_forks (source_id);
