-- Named queries for browsing workflows (server API, dashboard, metrics), PostgreSQL.
-- Filters are optional: a NULL parameter matches everything. Values are always bound.

-- fragment: matching
-- The workflows the listing and the count of common/browse.sql take.
FROM podium_workflows
WHERE (:status::text IS NULL OR status = :status::text)
  AND (:workflow::text IS NULL OR workflow = :workflow::text)
  AND (:queue::text IS NULL OR queue = :queue::text)
  AND (:created_after::double precision IS NULL
       OR created_at >= :created_after::double precision)
  AND (:created_before::double precision IS NULL
       OR created_at < :created_before::double precision)
  AND (:search::text IS NULL OR strpos(lower(id), lower(:search::text)) > 0)
  AND (:top_level::integer = 0 OR parent_id IS NULL)
  AND (:parent_id::text IS NULL OR parent_id = :parent_id::text)
  AND (:any_workflow::boolean OR workflow = ANY(:workflows::text[]))
  AND (:any_queue::boolean OR queue = ANY(:queues::text[]))

-- name: queue_stats
SELECT queue,
       sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END)::bigint AS pending,
       sum(CASE WHEN status = 'running' THEN 1 ELSE 0 END)::bigint AS running,
       sum(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END)::bigint AS waiting,
       sum(CASE WHEN status IN ('pending', 'waiting') AND claimable_at <= :now
                THEN 1 ELSE 0 END)::bigint AS ready,
       min(CASE WHEN status IN ('pending', 'waiting') AND claimable_at <= :now
                THEN claimable_at END) AS oldest_ready_at
FROM podium_workflows
WHERE status IN ('pending', 'running', 'waiting')
GROUP BY queue ORDER BY queue;
