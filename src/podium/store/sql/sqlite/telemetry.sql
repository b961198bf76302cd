-- name: created_per_minute
SELECT queue, CAST(created_at / 60 AS INTEGER) * 60 AS minute, COUNT(*) AS n
FROM podium_workflows
WHERE created_at >= :since AND created_at < :until
GROUP BY queue, minute;
