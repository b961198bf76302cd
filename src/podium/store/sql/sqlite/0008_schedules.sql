-- podium schema 0008 (SQLite): cron schedules. See podium.store.schedules.

-- One row per scheduled workflow. next_tick is the next tick not yet fired: a worker fires
-- a tick by advancing it with a conditional UPDATE (only one worker wins) in the same
-- transaction that inserts the tick's workflow under an id derived from schedule + tick.
CREATE TABLE podium_schedules (
    name       TEXT PRIMARY KEY,
    workflow   TEXT NOT NULL,
    cron       TEXT NOT NULL,
    timezone   TEXT NOT NULL,
    catchup    TEXT NOT NULL,
    queue      TEXT NOT NULL,
    next_tick  REAL NOT NULL,
    last_tick  REAL,
    paused     INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
