-- Named queries for browsing workflows (server API, dashboard, metrics), PostgreSQL.
-- Filters are optional: a NULL parameter matches everything. Values are always bound.

-- fragment: matching
-- The workflows a listing and its count take.
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
