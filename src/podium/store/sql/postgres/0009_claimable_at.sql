-- podium schema, version 9 (PostgreSQL): `ready_at` had two meanings (when a waiting
-- workflow may run, when a running one's lease expires); the column now says what both are
-- for a claimer, and records expose the two meanings under their own names. The notify
-- function's body is text, so it is replaced to read the new name.
ALTER TABLE podium_workflows RENAME COLUMN ready_at TO claimable_at;

CREATE OR REPLACE FUNCTION podium_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('completed', 'failed', 'cancelled')
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status) THEN
        PERFORM pg_notify('podium', 'done:' || TG_TABLE_SCHEMA || ':' || NEW.id);
    ELSIF NEW.status IN ('pending', 'waiting') AND NEW.claimable_at IS NOT NULL
       AND (TG_OP = 'INSERT' OR OLD.claimable_at IS DISTINCT FROM NEW.claimable_at
            OR OLD.status IS DISTINCT FROM NEW.status) THEN
        PERFORM pg_notify('podium', 'work:' || TG_TABLE_SCHEMA || ':' || NEW.queue);
    END IF;
    RETURN NULL;
END;
$$;
