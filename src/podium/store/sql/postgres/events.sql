-- Named queries of the events and messages feature (PostgreSQL). See podium.store.events.
-- Values are bound parameters named :like_this.

-- name: lock
-- Serializes the transactions of one topic (or one inbox) until they commit.
SELECT pg_advisory_xact_lock(hashtextextended(:key, 0));

-- name: list_events
SELECT seq, id, topic, key, payload, source, created_at FROM podium_events
WHERE seq > :after AND (:topic::text IS NULL OR topic = :topic::text)
ORDER BY seq LIMIT :limit;

-- fragment: event_waiters
-- The workflows wake_event_waiters (common/events.sql) wakes: their rows are locked in id
-- order first (see renew_leases in workflows.sql).
    SELECT id FROM podium_workflows
    WHERE status IN ('running', 'waiting') AND id IN (
        SELECT workflow_id FROM podium_waits
        WHERE kind = 'event' AND topic = :topic AND after_seq < :seq
          AND (key IS NULL OR key = :key::text)
    )
    ORDER BY id
    FOR NO KEY UPDATE

-- name: event_floor
-- Where a new wait starts: after the topic's newest event (or the newest before `since`).
SELECT COALESCE(MAX(seq), 0) AS floor FROM podium_events
WHERE topic = :topic
  AND (:since::double precision IS NULL OR created_at < :since::double precision);

-- name: next_event
SELECT seq, id, topic, key, payload, source, created_at FROM podium_events
WHERE topic = :topic AND seq > :after
  AND (:key::text IS NULL OR key = :key::text)
ORDER BY seq LIMIT 1;

-- name: insert_message
INSERT INTO podium_messages (workflow_id, topic, seq, id, payload, created_at)
SELECT :workflow_id::text, :topic::text, COALESCE(MAX(seq), 0) + 1, :id::text,
       :payload::text, :now::double precision
FROM podium_messages WHERE workflow_id = :workflow_id AND topic = :topic
ON CONFLICT DO NOTHING
RETURNING seq;
