-- podium schema, version 2 (SQLite): circuit breakers, shared by every worker of the store.
--
-- podium_breakers holds one row per breaker and changes only on transitions (a conditional
-- UPDATE on generation, so two workers cannot both make the same transition) and on the few
-- half-open trial calls. Outcomes of ordinary calls never touch it: they go to
-- podium_breaker_counts, a counter per (generation, time bucket, shard), where a shard is one
-- thread of one process. No two writers share a counter row, and the failure rate over the
-- window is a SUM over a few rows.

CREATE TABLE podium_breakers (
    name       TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    generation INTEGER NOT NULL,
    since      REAL NOT NULL,
    trials     INTEGER NOT NULL DEFAULT 0,
    successes  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE podium_breaker_counts (
    name       TEXT NOT NULL,
    generation INTEGER NOT NULL,
    bucket     INTEGER NOT NULL,
    shard      TEXT NOT NULL,
    calls      INTEGER NOT NULL,
    failures   INTEGER NOT NULL,
    PRIMARY KEY (name, generation, bucket, shard)
) WITHOUT ROWID;

-- Who holds a half-open trial slot: a workflow step position holds it again after a crash.
CREATE TABLE podium_breaker_trials (
    name       TEXT NOT NULL,
    generation INTEGER NOT NULL,
    holder     TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    outcome    TEXT,
    PRIMARY KEY (name, generation, holder)
) WITHOUT ROWID;

-- Every transition, written in the transaction that makes it: generation is the new one.
CREATE TABLE podium_breaker_events (
    name         TEXT NOT NULL,
    generation   INTEGER NOT NULL,
    at           REAL NOT NULL,
    from_state   TEXT NOT NULL,
    to_state     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    failure_rate REAL,
    calls        INTEGER,
    failures     INTEGER,
    PRIMARY KEY (name, generation)
);
CREATE INDEX podium_breaker_events_at ON podium_breaker_events (at);
