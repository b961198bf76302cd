-- podium schema 0008 (PostgreSQL): cron schedules. See podium.store.schedules.

-- One row per scheduled workflow. next_tick is the next tick not yet fired: a worker fires
-- a tick by advancing it with a conditional UPDATE (only one worker wins) in the same
-- transaction that inserts the tick's workflow under an id derived from schedule + tick.
CREATE TABLE podium_schedules (
    name       text PRIMARY KEY,
    workflow   text NOT NULL,
    cron       text NOT NULL,
    timezone   text NOT NULL,
    catchup    text NOT NULL,
    queue      text NOT NULL,
    next_tick  double precision NOT NULL,
    last_tick  double precision,
    paused     integer NOT NULL DEFAULT 0,
    created_at double precision NOT NULL,
    updated_at double precision NOT NULL
);
