-- The browse queries every dialect shares; the ones whose SQL differs are in
-- <dialect>/browse.sql. Each block starts with "-- name: NAME"; values are bound
-- parameters named :like_this.

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
