-- Named queries of retention (app.purge, podium purge), every dialect.
-- Finished workflows only; state-machine instances (podium.machine:*) are kept.

-- name: candidates
SELECT id, created_at FROM podium_workflows
WHERE created_at < :cutoff AND updated_at < :cutoff
  AND status IN (:s1, :s2, :s3)
  AND workflow NOT LIKE 'podium.machine:%' AND parent_id IS NULL
  AND (created_at > :after_at OR (created_at = :after_at AND id > :after_id))
ORDER BY created_at, id
LIMIT :limit;

-- name: candidates_of
-- The same walk for one workflow type (its `retention=`).
SELECT id, created_at FROM podium_workflows
WHERE created_at < :cutoff AND updated_at < :cutoff
  AND status IN (:s1, :s2, :s3) AND workflow = :workflow AND parent_id IS NULL
  AND (created_at > :after_at OR (created_at = :after_at AND id > :after_id))
ORDER BY created_at, id
LIMIT :limit;
