-- name: record_outcome
INSERT INTO podium_route_outcomes (router, workflow_id, lane, reward, at)
VALUES (:router, :workflow_id, :lane, :reward, :at)
ON CONFLICT (router, workflow_id) DO NOTHING;

-- name: latest_outcomes
SELECT id, workflow_id, lane, reward, at FROM podium_route_outcomes
WHERE router = :router
ORDER BY id DESC
LIMIT :limit;

-- name: outcomes_since
SELECT id, workflow_id, lane, reward, at FROM podium_route_outcomes
WHERE router = :router AND at >= :since
ORDER BY id;

-- name: purge_outcomes
DELETE FROM podium_route_outcomes WHERE router = :router AND at < :before;
