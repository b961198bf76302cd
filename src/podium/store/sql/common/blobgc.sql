-- Named queries of the blob collector (store/blobgc.py): blobs whose deletion failed.

-- name: failed
-- A failed delete, recorded (or its count raised) to be retried by a later sweep.
INSERT INTO podium_blob_deletes (blob_key, attempts, failed_at, reason)
VALUES (:blob_key, 1, :failed_at, :reason)
ON CONFLICT (blob_key) DO UPDATE SET
    attempts = podium_blob_deletes.attempts + 1,
    failed_at = excluded.failed_at,
    reason = excluded.reason;

-- name: remember
-- A blob a purge frees, recorded in the purge's transaction (before any delete is tried).
INSERT INTO podium_blob_deletes (blob_key, attempts, failed_at, reason)
VALUES (:blob_key, 0, :failed_at, :reason)
ON CONFLICT (blob_key) DO NOTHING;

-- name: due
-- The oldest failures first, so one that keeps failing does not starve the others.
SELECT blob_key, attempts, failed_at, reason FROM podium_blob_deletes
ORDER BY failed_at, blob_key
LIMIT :limit;

-- name: count
SELECT COUNT(*) AS n FROM podium_blob_deletes;
