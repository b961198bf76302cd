-- The browse queries every dialect shares; the ones whose SQL differs are in
-- <dialect>/browse.sql. Each block starts with "-- name: NAME"; values are bound
-- parameters named :like_this.

-- name: status_counts
SELECT workflow, status, count(*) AS n FROM podium_workflows GROUP BY workflow, status;

-- name: leases
SELECT lease_owner AS worker, count(*) AS running, max(claimable_at) AS lease_until
FROM podium_workflows
WHERE status = 'running' AND lease_owner IS NOT NULL
GROUP BY lease_owner ORDER BY lease_owner;
