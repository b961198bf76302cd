-- Named queries of cron schedules (podium.store.schedules), every dialect. Each block starts with
-- "-- name: NAME"; values are bound parameters named :like_this.

-- name: upsert
-- A changed cron expression or timezone moves next_tick to the new schedule's next tick;
-- otherwise next_tick and paused stay as they are (another worker may have advanced them).
INSERT INTO podium_schedules
    (name, workflow, cron, timezone, catchup, queue, next_tick, last_tick, paused,
     created_at, updated_at)
VALUES (:name, :workflow, :cron, :timezone, :catchup, :queue, :next_tick, NULL, 0,
        :now, :now)
ON CONFLICT (name) DO UPDATE SET
    workflow = excluded.workflow,
    catchup = excluded.catchup,
    queue = excluded.queue,
    next_tick = CASE WHEN podium_schedules.cron = excluded.cron
                      AND podium_schedules.timezone = excluded.timezone
                     THEN podium_schedules.next_tick ELSE excluded.next_tick END,
    cron = excluded.cron,
    timezone = excluded.timezone,
    updated_at = excluded.updated_at;

-- name: forget
DELETE FROM podium_schedules WHERE name = :name;

-- name: all
SELECT * FROM podium_schedules ORDER BY name;

-- name: get
SELECT * FROM podium_schedules WHERE name = :name;

-- name: advance
-- Fire a tick: only the worker that read this next_tick moves it on; a racer changes nothing.
UPDATE podium_schedules
SET next_tick = :new_next, last_tick = :last_tick, updated_at = :now
WHERE name = :name AND next_tick = :old_next AND paused = 0;

-- name: pause
UPDATE podium_schedules SET paused = 1, updated_at = :now WHERE name = :name;

-- name: resume
-- Ticks that fell while paused are skipped: the schedule goes on from its next tick.
UPDATE podium_schedules SET paused = 0, next_tick = :next_tick, updated_at = :now
WHERE name = :name AND paused = 1;
