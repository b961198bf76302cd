-- podium schema 0013 (PostgreSQL): histories kept by continue-as-new, and where forks came from.

-- `podium.continue_as_new(...)` ends a run and starts a fresh history under the same id; the
-- history it ends is moved here in the same transaction, numbered by generation (1 for the
-- first run continued), so earlier runs stay inspectable and the live history stays small.
CREATE TABLE podium_history_archive (
    workflow_id text NOT NULL,
    generation  integer NOT NULL,
    seq         integer NOT NULL,
    kind        text NOT NULL,
    name        text NOT NULL,
    status      text NOT NULL,
    payload     text,
    attempt     integer NOT NULL DEFAULT 1,
    started_at  double precision,
    finished_at double precision,
    archived_at double precision NOT NULL,
    PRIMARY KEY (workflow_id, generation, seq)
);

-- One row per `app.fork(...)`: the new workflow, the one it copied, and the first position
-- it ran again with today's code (positions before it were copied).
CREATE TABLE podium_forks (
    id         text PRIMARY KEY,
    source_id  text NOT NULL,
    from_step  integer NOT NULL,
    created_at double precision NOT NULL
);

CREATE INDEX podium_forks_source ON podium_forks (source_id);
