-- Named queries of the events and messages feature (SQLite). See podium.store.events.

-- name: lock
-- SQLite transactions are already serialized (BEGIN IMMEDIATE): nothing to lock.
SELECT :key AS key;

-- name: list_events
SELECT seq, id, topic, key, payload, source, created_at FROM podium_events
WHERE seq > :after AND (:topic IS NULL OR topic = :topic)
ORDER BY seq LIMIT :limit;

-- fragment: event_waiters
-- The workflows wake_event_waiters (common/events.sql) wakes.
    SELECT workflow_id FROM podium_waits
    WHERE kind = 'event' AND topic = :topic AND after_seq < :seq
      AND (key IS NULL OR key = :key)

-- name: event_floor
-- Where a new wait starts: after the topic's newest event (or the newest before `since`).
SELECT COALESCE(MAX(seq), 0) AS floor FROM podium_events
WHERE topic = :topic AND (:since IS NULL OR created_at < :since);

-- name: next_event
SELECT seq, id, topic, key, payload, source, created_at FROM podium_events
WHERE topic = :topic AND seq > :after AND (:key IS NULL OR key = :key)
ORDER BY seq LIMIT 1;

-- name: insert_message
INSERT INTO podium_messages (workflow_id, topic, seq, id, payload, created_at)
SELECT :workflow_id, :topic, COALESCE(MAX(seq), 0) + 1, :id, :payload, :now
FROM podium_messages WHERE workflow_id = :workflow_id AND topic = :topic
ON CONFLICT DO NOTHING
RETURNING seq;
