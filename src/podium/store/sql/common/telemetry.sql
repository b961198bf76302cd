-- name: put_rollup
INSERT INTO podium_telemetry
    (series, minute, process, starts, completions, failures, retries, arrivals, depth,
     wait_sum, wait_count, latency, updated_at)
VALUES (:series, :minute, :process, :starts, :completions, :failures, :retries, :arrivals,
        :depth, :wait_sum, :wait_count, :latency, :now)
ON CONFLICT (series, minute, process) DO UPDATE SET
    starts = excluded.starts, completions = excluded.completions,
    failures = excluded.failures, retries = excluded.retries, arrivals = excluded.arrivals,
    depth = excluded.depth, wait_sum = excluded.wait_sum, wait_count = excluded.wait_count,
    latency = excluded.latency, updated_at = excluded.updated_at;

-- name: rollups
SELECT series, minute, process, starts, completions, failures, retries, arrivals, depth,
       wait_sum, wait_count, latency
FROM podium_telemetry
WHERE minute >= :since AND minute < :until
ORDER BY series, minute;

-- name: series_rollups
SELECT series, minute, process, starts, completions, failures, retries, arrivals, depth,
       wait_sum, wait_count, latency
FROM podium_telemetry
WHERE series = :series AND minute >= :since AND minute < :until
ORDER BY minute;

-- name: purge
DELETE FROM podium_telemetry WHERE minute < :before;

-- name: purge_anomalies
DELETE FROM podium_anomalies WHERE at < :before;

-- name: get_mark
SELECT minute FROM podium_telemetry_marks WHERE name = :name;

-- name: init_mark
INSERT INTO podium_telemetry_marks (name, minute) VALUES (:name, :minute)
ON CONFLICT (name) DO NOTHING;

-- name: move_mark
UPDATE podium_telemetry_marks SET minute = :minute WHERE name = :name AND minute = :old;

-- name: add_anomaly
INSERT INTO podium_anomalies (series, at, value, expected, score, message, created_at)
VALUES (:series, :at, :value, :expected, :score, :message, :now)
ON CONFLICT (series, at) DO NOTHING;

-- name: anomalies
SELECT id, series, at, value, expected, score, message FROM podium_anomalies
WHERE at >= :since
ORDER BY at DESC, id DESC
LIMIT :limit;

-- name: scaling_state
SELECT queue, desired, updated_at FROM podium_scaling;

-- name: put_scaling
INSERT INTO podium_scaling (queue, desired, updated_at) VALUES (:queue, :desired, :now)
ON CONFLICT (queue) DO UPDATE SET desired = excluded.desired, updated_at = excluded.updated_at;
