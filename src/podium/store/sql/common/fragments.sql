-- Fragments that queries of several features include (see podium.store.queries); no queries.

-- fragment: queue_levels
-- `levels(priority)`: the priority levels of :queue's claimable rows, highest first, each found
-- by one seek of the claim index, for a query that then reads each level's rows in order.
WITH RECURSIVE levels(priority) AS (
    SELECT (SELECT max(priority) FROM podium_workflows
            WHERE queue = :queue AND claimable_at IS NOT NULL)
    UNION ALL
    SELECT (SELECT max(w.priority) FROM podium_workflows AS w
            WHERE w.queue = :queue AND w.claimable_at IS NOT NULL
              AND w.priority < levels.priority)
    FROM levels WHERE levels.priority IS NOT NULL
)

-- fragment: next_level
-- The recursive step of a claim's `levels(queue, priority)`: each queue's next lower priority
-- among its claimable rows (NULL below the lowest, which ends the recursion).
UNION ALL
SELECT levels.queue,
       (SELECT max(w.priority) FROM podium_workflows AS w
        WHERE w.queue = levels.queue AND w.claimable_at IS NOT NULL
          AND w.priority < levels.priority)
FROM levels WHERE levels.priority IS NOT NULL
