-- The browse queries every dialect shares; the ones whose SQL differs are in
-- <dialect>/browse.sql. Each block starts with "-- name: NAME"; values are bound
-- parameters named :like_this. The listing and its count include the fragment `matching`
-- of <dialect>/browse.sql: the workflows they take (each dialect writes the filter its way).

-- name: status_counts
SELECT workflow, status, count(*) AS n FROM podium_workflows GROUP BY workflow, status;

-- name: ended_attempts
-- Earlier attempts of resumed workflows, by how they ended: rows here are never deleted, so
-- current status counts plus these are counts of events that only ever grow.
SELECT w.workflow AS workflow, a.status AS status, count(*) AS n
FROM podium_workflow_attempts a JOIN podium_workflows w ON w.id = a.workflow_id
GROUP BY w.workflow, a.status;

-- name: workflow_names
SELECT DISTINCT workflow FROM podium_workflows ORDER BY workflow;

-- name: leases
SELECT lease_owner AS worker, count(*) AS running, max(claimable_at) AS lease_until
FROM podium_workflows
WHERE status = 'running' AND lease_owner IS NOT NULL
GROUP BY lease_owner ORDER BY lease_owner;

-- name: workers
SELECT owner, app, queues, workflows, started_at, beat_at, expires_at
FROM podium_workers ORDER BY started_at DESC, owner LIMIT :limit;

-- name: list_workflows
SELECT id, workflow, status, queue, priority, key, parent_id, error_type, error_message,
       created_at, updated_at, runs, paused_at,
       CASE WHEN status = 'running' THEN NULL ELSE claimable_at END AS ready_at,
       CASE WHEN status = 'running' THEN claimable_at END AS lease_until
-- include: matching
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :offset;

-- name: count_workflows
SELECT count(*) AS n FROM (
SELECT 1
-- include: matching
LIMIT :cap) AS matching;
