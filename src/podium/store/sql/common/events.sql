-- The events queries every dialect shares; the ones whose SQL differs are in
-- <dialect>/events.sql. Each block starts with "-- name: NAME"; values are bound
-- parameters named :like_this.

-- name: insert_event
INSERT INTO podium_events (id, topic, key, payload, source, created_at)
VALUES (:id, :topic, :key, :payload, :source, :now)
ON CONFLICT (id) DO NOTHING
RETURNING seq;

-- name: get_event
SELECT seq, id, topic, key, payload, source, created_at FROM podium_events WHERE id = :id;

-- name: subscriptions
SELECT workflow, pattern, queue, timeout FROM podium_subscriptions ORDER BY workflow, pattern;

-- name: upsert_subscription
INSERT INTO podium_subscriptions (workflow, pattern, queue, timeout, updated_at)
VALUES (:workflow, :pattern, :queue, :timeout, :now)
ON CONFLICT (workflow, pattern) DO UPDATE
SET queue = excluded.queue, timeout = excluded.timeout, updated_at = excluded.updated_at;

-- name: delete_subscription
DELETE FROM podium_subscriptions WHERE workflow = :workflow AND pattern = :pattern;

-- name: create_triggered
-- A workflow started by an event: its id derives from the event id, so never twice.
INSERT INTO podium_workflows
    (id, workflow, status, queue, priority, key, input, created_at, updated_at, claimable_at,
     deadline, lease_epoch, runs)
VALUES (:id, :workflow, 'pending', :queue, 0, NULL, :input, :now, :now, :now, :deadline, 0, 0)
ON CONFLICT (id) DO NOTHING
RETURNING id;

-- name: wake_receiver
UPDATE podium_workflows
SET woken_at = :now,
    claimable_at = CASE WHEN status = 'waiting' AND (claimable_at IS NULL OR claimable_at > :now)
                    THEN :now ELSE claimable_at END
WHERE id = :workflow_id AND status IN ('running', 'waiting') AND EXISTS (
    SELECT 1 FROM podium_waits
    WHERE workflow_id = :workflow_id AND kind = 'message' AND topic = :topic
);

-- name: insert_wait
INSERT INTO podium_waits
    (workflow_id, seq, kind, topic, key, after_seq, deadline, created_at)
VALUES (:workflow_id, :seq, :kind, :topic, :key, :after_seq, :deadline, :now)
ON CONFLICT (workflow_id, seq) DO NOTHING;

-- name: get_wait
SELECT workflow_id, seq, kind, topic, key, after_seq, deadline FROM podium_waits
WHERE workflow_id = :workflow_id AND seq = :seq;

-- name: delete_wait
DELETE FROM podium_waits WHERE workflow_id = :workflow_id AND seq = :seq;

-- name: workflow_status
SELECT status FROM podium_workflows WHERE id = :id;

-- name: get_message
SELECT workflow_id, topic, seq, id, payload, created_at FROM podium_messages
WHERE workflow_id = :workflow_id AND id = :id;

-- name: next_message
SELECT workflow_id, topic, seq, id, payload, created_at FROM podium_messages
WHERE workflow_id = :workflow_id AND topic = :topic AND seq > :after
ORDER BY seq LIMIT 1;

-- name: inbox
SELECT workflow_id, topic, seq, id, payload, created_at FROM podium_messages
WHERE workflow_id = :workflow_id AND topic = :topic AND seq > :after
ORDER BY seq;

-- name: wake_event_waiters
-- The same update as the core `wake`, for every workflow waiting for this event (the
-- dialect's event_waiters).
UPDATE podium_workflows
SET woken_at = :now,
    claimable_at = CASE WHEN status = 'waiting' AND (claimable_at IS NULL OR claimable_at > :now)
                    THEN :now ELSE claimable_at END
WHERE status IN ('running', 'waiting') AND id IN (
-- include: event_waiters
);
