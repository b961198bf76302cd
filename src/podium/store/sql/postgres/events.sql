-- Named queries of the events and messages feature (PostgreSQL). See podium.store.events.
-- Values are bound parameters named %(like_this)s.

-- name: lock
-- Serializes the transactions of one topic (or one inbox) until they commit.
SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0));

-- name: insert_event
INSERT INTO podium_events (id, topic, key, payload, source, created_at)
VALUES (%(id)s, %(topic)s, %(key)s, %(payload)s, %(source)s, %(now)s)
ON CONFLICT (id) DO NOTHING
RETURNING seq;

-- name: get_event
SELECT seq, id, topic, key, payload, source, created_at FROM podium_events WHERE id = %(id)s;

-- name: list_events
SELECT seq, id, topic, key, payload, source, created_at FROM podium_events
WHERE seq > %(after)s AND (%(topic)s::text IS NULL OR topic = %(topic)s::text)
ORDER BY seq LIMIT %(limit)s;

-- name: subscriptions
SELECT workflow, pattern, queue, timeout FROM podium_subscriptions ORDER BY workflow, pattern;

-- name: upsert_subscription
INSERT INTO podium_subscriptions (workflow, pattern, queue, timeout, updated_at)
VALUES (%(workflow)s, %(pattern)s, %(queue)s, %(timeout)s, %(now)s)
ON CONFLICT (workflow, pattern) DO UPDATE
SET queue = excluded.queue, timeout = excluded.timeout, updated_at = excluded.updated_at;

-- name: delete_subscription
DELETE FROM podium_subscriptions WHERE workflow = %(workflow)s AND pattern = %(pattern)s;

-- name: create_triggered
-- A workflow started by an event: its id derives from the event id, so never twice.
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, key, input, created_at, updated_at, ready_at,
     deadline, lease_epoch, runs)
VALUES (%(id)s, %(workflow)s, 'pending', %(queue)s, 0, NULL, %(input)s, %(now)s, %(now)s,
        %(now)s, %(deadline)s, 0, 0)
ON CONFLICT (id) DO NOTHING
RETURNING id;

-- name: wake_event_waiters
-- The same update as the core `wake`, for every workflow waiting for this event.
UPDATE podium_workflows
SET woken_at = %(now)s,
    ready_at = CASE WHEN status = 'waiting' AND (ready_at IS NULL OR ready_at > %(now)s)
                    THEN %(now)s ELSE ready_at END
WHERE status IN ('running', 'waiting') AND id IN (
    SELECT workflow_id FROM podium_waits
    WHERE kind = 'event' AND topic = %(topic)s AND after_seq < %(seq)s
      AND (key IS NULL OR key = %(key)s::text)
);

-- name: wake_receiver
UPDATE podium_workflows
SET woken_at = %(now)s,
    ready_at = CASE WHEN status = 'waiting' AND (ready_at IS NULL OR ready_at > %(now)s)
                    THEN %(now)s ELSE ready_at END
WHERE id = %(workflow_id)s AND status IN ('running', 'waiting') AND EXISTS (
    SELECT 1 FROM podium_waits
    WHERE workflow_id = %(workflow_id)s AND kind = 'message' AND topic = %(topic)s
);

-- name: append_history
-- The core's fenced append (fence row read FOR SHARE), inside an events transaction.
INSERT INTO podium_history
    (workflow_id, seq, kind, name, status, payload, attempt, started_at, finished_at)
SELECT %(workflow_id)s::text, %(seq)s::integer, %(kind)s::text, %(name)s::text,
       %(status)s::text, %(payload)s::text, %(attempt)s::integer,
       %(started_at)s::double precision, %(finished_at)s::double precision
WHERE EXISTS (
    SELECT 1 FROM podium_workflows
    WHERE id = %(fence_id)s AND lease_owner = %(fence_owner)s
      AND lease_epoch = %(fence_epoch)s AND status = 'running'
    FOR SHARE
)
ON CONFLICT (workflow_id, seq) DO NOTHING;

-- name: event_floor
-- Where a new wait starts: after the topic's newest event (or the newest before `since`).
SELECT COALESCE(MAX(seq), 0) AS floor FROM podium_events
WHERE topic = %(topic)s
  AND (%(since)s::double precision IS NULL OR created_at < %(since)s::double precision);

-- name: insert_wait
INSERT INTO podium_waits
    (workflow_id, seq, kind, topic, key, after_seq, deadline, created_at)
VALUES (%(workflow_id)s, %(seq)s, %(kind)s, %(topic)s, %(key)s, %(after_seq)s,
        %(deadline)s, %(now)s)
ON CONFLICT (workflow_id, seq) DO NOTHING;

-- name: get_wait
SELECT workflow_id, seq, kind, topic, key, after_seq, deadline FROM podium_waits
WHERE workflow_id = %(workflow_id)s AND seq = %(seq)s;

-- name: delete_wait
DELETE FROM podium_waits WHERE workflow_id = %(workflow_id)s AND seq = %(seq)s;

-- name: next_event
SELECT seq, id, topic, key, payload, source, created_at FROM podium_events
WHERE topic = %(topic)s AND seq > %(after)s
  AND (%(key)s::text IS NULL OR key = %(key)s::text)
ORDER BY seq LIMIT 1;

-- name: workflow_status
SELECT status FROM podium_workflows WHERE id = %(id)s;

-- name: insert_message
INSERT INTO podium_messages (workflow_id, topic, seq, id, payload, created_at)
SELECT %(workflow_id)s::text, %(topic)s::text, COALESCE(MAX(seq), 0) + 1, %(id)s::text,
       %(payload)s::text, %(now)s::double precision
FROM podium_messages WHERE workflow_id = %(workflow_id)s AND topic = %(topic)s
ON CONFLICT DO NOTHING
RETURNING seq;

-- name: get_message
SELECT workflow_id, topic, seq, id, payload, created_at FROM podium_messages
WHERE workflow_id = %(workflow_id)s AND id = %(id)s;

-- name: next_message
SELECT workflow_id, topic, seq, id, payload, created_at FROM podium_messages
WHERE workflow_id = %(workflow_id)s AND topic = %(topic)s AND seq > %(after)s
ORDER BY seq LIMIT 1;

-- name: inbox
SELECT workflow_id, topic, seq, id, payload, created_at FROM podium_messages
WHERE workflow_id = %(workflow_id)s AND topic = %(topic)s AND seq > %(after)s
ORDER BY seq;
