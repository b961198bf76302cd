-- Named queries of the circuit breakers (podium.store.breakers). Each block starts with
-- "-- name: NAME"; values are bound parameters named %(like_this)s.

-- name: get
SELECT state, generation, since, trials, successes FROM podium_breakers WHERE name = %(name)s;

-- name: create
INSERT INTO podium_breakers (name, state, generation, since, trials, successes)
VALUES (%(name)s, 'closed', 0, %(now)s, 0, 0)
ON CONFLICT (name) DO NOTHING;

-- name: transition
-- Only the writer that read this generation moves the breaker on; a racer changes nothing.
UPDATE podium_breakers
SET state = %(to_state)s, generation = generation + 1, since = %(now)s,
    trials = 0, successes = 0
WHERE name = %(name)s AND generation = %(generation)s AND state = %(from_state)s;

-- name: record_transition
INSERT INTO podium_breaker_events
    (name, generation, at, from_state, to_state, reason, failure_rate, calls, failures)
VALUES (%(name)s, %(generation)s + 1, %(now)s, %(from_state)s, %(to_state)s, %(reason)s,
        %(failure_rate)s, %(calls)s, %(failures)s);

-- name: forget_counts
DELETE FROM podium_breaker_counts WHERE name = %(name)s AND generation < %(generation)s;

-- name: forget_trials
DELETE FROM podium_breaker_trials WHERE name = %(name)s AND generation < %(generation)s;

-- name: holds_trial
SELECT 1 AS held FROM podium_breaker_trials
WHERE name = %(name)s AND generation = %(generation)s AND holder = %(holder)s;

-- name: take_trial_slot
UPDATE podium_breakers SET trials = trials + 1
WHERE name = %(name)s AND generation = %(generation)s AND state = 'half_open'
    AND trials < %(limit)s;

-- name: add_trial
INSERT INTO podium_breaker_trials (name, generation, holder, claimed_at)
VALUES (%(name)s, %(generation)s, %(holder)s, %(now)s);

-- name: trial_done
-- A holder's success counts once, even if the holder runs again after a crash.
UPDATE podium_breaker_trials SET outcome = 'ok'
WHERE name = %(name)s AND generation = %(generation)s AND holder = %(holder)s
    AND outcome IS NULL;

-- name: count_success
UPDATE podium_breakers SET successes = successes + 1
WHERE name = %(name)s AND generation = %(generation)s AND state = 'half_open'
RETURNING successes;

-- name: count_outcome
INSERT INTO podium_breaker_counts (name, generation, bucket, shard, calls, failures)
VALUES (%(name)s, %(generation)s, %(bucket)s, %(shard)s, 1, %(failed)s)
ON CONFLICT (name, generation, bucket, shard) DO UPDATE
SET calls = podium_breaker_counts.calls + 1,
    failures = podium_breaker_counts.failures + excluded.failures;

-- name: window
SELECT COALESCE(SUM(calls), 0)::bigint AS calls, COALESCE(SUM(failures), 0)::bigint AS failures
FROM podium_breaker_counts
WHERE name = %(name)s AND generation = %(generation)s AND bucket >= %(first_bucket)s;

-- name: forget_buckets
DELETE FROM podium_breaker_counts WHERE name = %(name)s AND bucket < %(first_bucket)s;

-- name: transitions
SELECT name, generation, at, from_state, to_state, reason, failure_rate, calls, failures
FROM podium_breaker_events
WHERE (%(name)s::text IS NULL OR name = %(name)s) AND at >= %(since)s
ORDER BY at, name, generation
LIMIT %(limit)s;
