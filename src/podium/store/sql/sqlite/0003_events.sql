-- Events and messages (SQLite). See podium.store.events for what each table is for.

-- Every published event, append-only. seq (AUTOINCREMENT: never reused) orders events for
-- `since=` and for waits; id makes publishing idempotent.
CREATE TABLE podium_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    topic      TEXT NOT NULL,
    key        TEXT,
    payload    TEXT,
    source     TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX podium_events_topic ON podium_events (topic, seq);
CREATE INDEX podium_events_topic_key ON podium_events (topic, key, seq);

-- Which workflow each topic pattern starts (written by the Apps that define on_event
-- workflows), so any publisher starts them in the event's own transaction.
CREATE TABLE podium_subscriptions (
    workflow   TEXT NOT NULL,
    pattern    TEXT NOT NULL,
    queue      TEXT NOT NULL,
    timeout    REAL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (workflow, pattern)
) WITHOUT ROWID;

-- Open waits (wait_for_event, receive) at a history position: what wakes them, and the
-- deadline and starting point fixed on the first visit so every replay uses the same.
CREATE TABLE podium_waits (
    workflow_id TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    topic       TEXT NOT NULL,
    key         TEXT,
    after_seq   INTEGER NOT NULL,
    deadline    REAL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (workflow_id, seq)
) WITHOUT ROWID;
CREATE INDEX podium_waits_topic ON podium_waits (kind, topic);

-- Each workflow's inbox: messages in order per (workflow, topic); id makes sending idempotent.
CREATE TABLE podium_messages (
    workflow_id TEXT NOT NULL,
    topic       TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    id          TEXT NOT NULL,
    payload     TEXT,
    created_at  REAL NOT NULL,
    PRIMARY KEY (workflow_id, topic, seq),
    UNIQUE (workflow_id, id)
) WITHOUT ROWID;
