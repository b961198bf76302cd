-- Named queries of the circuit breakers (podium.store.breakers). Each block starts with
-- "-- name: NAME"; values are bound parameters named :like_this.

-- name: window
SELECT COALESCE(SUM(calls), 0) AS calls, COALESCE(SUM(failures), 0) AS failures
FROM podium_breaker_counts
WHERE name = :name AND generation = :generation AND bucket >= :first_bucket;

-- name: transitions
SELECT name, generation, at, from_state, to_state, reason, failure_rate, calls, failures
FROM podium_breaker_events
WHERE (:name IS NULL OR name = :name) AND at >= :since
ORDER BY at, name, generation
LIMIT :limit;
