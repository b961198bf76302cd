-- name: created_per_minute
SELECT queue, (floor(created_at / 60) * 60)::bigint AS minute, COUNT(*) AS n
FROM podium_workflows
WHERE created_at >= :since AND created_at < :until
GROUP BY queue, minute;
