-- The breakers queries every dialect shares; the ones whose SQL differs are in
-- <dialect>/breakers.sql. Each block starts with "-- name: NAME"; values are bound
-- parameters named :like_this.

-- name: get
SELECT state, generation, since, trials, successes FROM podium_breakers WHERE name = :name;

-- name: names
SELECT name, state FROM podium_breakers ORDER BY name;

-- name: create
INSERT INTO podium_breakers (name, state, generation, since, trials, successes)
VALUES (:name, 'closed', 0, :now, 0, 0)
ON CONFLICT (name) DO NOTHING;

-- name: transition
-- Only the writer that read this generation moves the breaker on; a racer changes nothing.
UPDATE podium_breakers
SET state = :to_state, generation = generation + 1, since = :now, trials = 0, successes = 0
WHERE name = :name AND generation = :generation AND state = :from_state;

-- name: record_transition
INSERT INTO podium_breaker_events
    (name, generation, at, from_state, to_state, reason, failure_rate, calls, failures)
VALUES (:name, :generation + 1, :now, :from_state, :to_state, :reason, :failure_rate,
        :calls, :failures);

-- name: forget_counts
DELETE FROM podium_breaker_counts WHERE name = :name AND generation < :generation;

-- name: forget_trials
DELETE FROM podium_breaker_trials WHERE name = :name AND generation < :generation;

-- name: holds_trial
SELECT 1 AS held FROM podium_breaker_trials
WHERE name = :name AND generation = :generation AND holder = :holder;

-- name: take_trial_slot
UPDATE podium_breakers SET trials = trials + 1
WHERE name = :name AND generation = :generation AND state = 'half_open' AND trials < :limit;

-- name: add_trial
INSERT INTO podium_breaker_trials (name, generation, holder, claimed_at)
VALUES (:name, :generation, :holder, :now);

-- name: trial_done
-- A holder's success counts once, even if the holder runs again after a crash.
UPDATE podium_breaker_trials SET outcome = 'ok'
WHERE name = :name AND generation = :generation AND holder = :holder AND outcome IS NULL;

-- name: count_success
UPDATE podium_breakers SET successes = successes + 1
WHERE name = :name AND generation = :generation AND state = 'half_open'
RETURNING successes;

-- name: count_outcome
INSERT INTO podium_breaker_counts (name, generation, bucket, shard, calls, failures)
VALUES (:name, :generation, :bucket, :shard, 1, :failed)
ON CONFLICT (name, generation, bucket, shard) DO UPDATE
SET calls = podium_breaker_counts.calls + 1,
    failures = podium_breaker_counts.failures + excluded.failures;

-- name: forget_buckets
DELETE FROM podium_breaker_counts WHERE name = :name AND bucket < :first_bucket;
