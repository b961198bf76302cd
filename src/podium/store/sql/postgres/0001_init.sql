-- podium schema, version 1 (PostgreSQL). Same tables, columns and meaning as SQLite:
-- times are float seconds (double precision), payloads are JSON text, epochs are bigint.
-- Tables are created unqualified, in the schema the store selected through search_path.

CREATE TABLE podium_workflows (
    id              text PRIMARY KEY,
    workflow        text NOT NULL,
    status          text NOT NULL,
    queue           text NOT NULL DEFAULT 'default',
    priority        integer NOT NULL DEFAULT 0,
    key             text,
    input           text,
    output          text,
    error_type      text,
    error_message   text,
    error_traceback text,
    parent_id       text,
    created_at      double precision NOT NULL,
    updated_at      double precision NOT NULL,
    ready_at        double precision,
    deadline        double precision,
    lease_owner     text,
    lease_epoch     bigint NOT NULL DEFAULT 0,
    runs            integer NOT NULL DEFAULT 0,
    claimed_from    text,
    woken_at        double precision
);

-- Claiming scans only workflows that can become runnable (ready_at is NULL once finished).
CREATE INDEX podium_workflows_ready
    ON podium_workflows (queue, priority DESC, ready_at) WHERE ready_at IS NOT NULL;
CREATE INDEX podium_workflows_created ON podium_workflows (created_at DESC);
-- Only failed workflows get a status index: most listings walk created_at, and indexing a
-- column that changes on every claim and finish would cost each of those commits (and
-- defeat PostgreSQL's HOT updates, which need every changed column to be unindexed).
CREATE INDEX podium_workflows_failed
    ON podium_workflows (created_at DESC) WHERE status = 'failed';
CREATE INDEX podium_workflows_parent
    ON podium_workflows (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE podium_history (
    workflow_id text NOT NULL,
    seq         integer NOT NULL,
    kind        text NOT NULL,
    name        text NOT NULL,
    status      text NOT NULL,
    payload     text,
    attempt     integer NOT NULL DEFAULT 1,
    started_at  double precision,
    finished_at double precision,
    PRIMARY KEY (workflow_id, seq)
);

CREATE TABLE podium_attempts (
    workflow_id   text NOT NULL,
    seq           integer NOT NULL,
    attempt       integer NOT NULL,
    name          text NOT NULL,
    error_type    text NOT NULL,
    error_message text NOT NULL,
    started_at    double precision NOT NULL,
    finished_at   double precision NOT NULL,
    retry_at      double precision,
    PRIMARY KEY (workflow_id, seq, attempt)
);

-- Push wake-ups: whenever a workflow may have become claimable, or has finished, every
-- listening worker and waiter hears of it (delivered at commit; polling stays the fallback).
CREATE FUNCTION podium_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('completed', 'failed', 'cancelled')
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status) THEN
        PERFORM pg_notify('podium', 'done:' || TG_TABLE_SCHEMA || ':' || NEW.id);
    ELSIF NEW.status IN ('pending', 'waiting') AND NEW.ready_at IS NOT NULL
       AND (TG_OP = 'INSERT' OR OLD.ready_at IS DISTINCT FROM NEW.ready_at
            OR OLD.status IS DISTINCT FROM NEW.status) THEN
        PERFORM pg_notify('podium', 'work:' || TG_TABLE_SCHEMA || ':' || NEW.queue);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER podium_workflows_notify
    AFTER INSERT OR UPDATE OF status, ready_at ON podium_workflows
    FOR EACH ROW EXECUTE FUNCTION podium_notify();
