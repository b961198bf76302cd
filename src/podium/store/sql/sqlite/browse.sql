-- Named queries for browsing workflows (server API, dashboard, metrics), SQLite.
-- Filters are optional: a NULL parameter matches everything. Values are always bound.

-- fragment: matching
-- The workflows the listing and the count of common/browse.sql take.
FROM podium_workflows
WHERE (:status IS NULL OR status = :status)
  AND (:workflow IS NULL OR workflow = :workflow)
  AND (:queue IS NULL OR queue = :queue)
  AND (:created_after IS NULL OR created_at >= :created_after)
  AND (:created_before IS NULL OR created_at < :created_before)
  AND (:search IS NULL OR instr(lower(id), lower(:search)) > 0)
  AND (:top_level = 0 OR parent_id IS NULL)
  AND (:parent_id IS NULL OR parent_id = :parent_id)
  AND (:any_workflow OR instr(:workflows, char(0) || workflow || char(0)))
  AND (:any_queue OR queue IN (SELECT value FROM json_each(:queues)))

-- name: queue_stats
SELECT queue,
       sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,
       sum(CASE WHEN status = 'running' THEN 1 ELSE 0 END) AS running,
       sum(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END) AS waiting,
       sum(CASE WHEN status IN ('pending', 'waiting') AND claimable_at <= :now
                THEN 1 ELSE 0 END) AS ready,
       min(CASE WHEN status IN ('pending', 'waiting') AND claimable_at <= :now
                THEN claimable_at END) AS oldest_ready_at
FROM podium_workflows
WHERE status IN ('pending', 'running', 'waiting')
GROUP BY queue ORDER BY queue;
