-- podium schema, version 2 (PostgreSQL): circuit breakers, shared by every worker of the store.
--
-- podium_breakers holds one row per breaker and changes only on transitions (a conditional
-- UPDATE on generation, so two workers cannot both make the same transition) and on the few
-- half-open trial calls. Outcomes of ordinary calls never touch it: they go to
-- podium_breaker_counts, a counter per (generation, time bucket, shard), where a shard is one
-- thread of one process. No two writers share a counter row, and the failure rate over the
-- window is a SUM over a few rows.

CREATE TABLE podium_breakers (
    name       text PRIMARY KEY,
    state      text NOT NULL,
    generation bigint NOT NULL,
    since      double precision NOT NULL,
    trials     bigint NOT NULL DEFAULT 0,
    successes  bigint NOT NULL DEFAULT 0
);

CREATE TABLE podium_breaker_counts (
    name       text NOT NULL,
    generation bigint NOT NULL,
    bucket     bigint NOT NULL,
    shard      text NOT NULL,
    calls      bigint NOT NULL,
    failures   bigint NOT NULL,
    PRIMARY KEY (name, generation, bucket, shard)
);

-- Who holds a half-open trial slot: a workflow step position holds it again after a crash.
CREATE TABLE podium_breaker_trials (
    name       text NOT NULL,
    generation bigint NOT NULL,
    holder     text NOT NULL,
    claimed_at double precision NOT NULL,
    outcome    text,
    PRIMARY KEY (name, generation, holder)
);

-- Every transition, written in the transaction that makes it: generation is the new one.
CREATE TABLE podium_breaker_events (
    name         text NOT NULL,
    generation   bigint NOT NULL,
    at           double precision NOT NULL,
    from_state   text NOT NULL,
    to_state     text NOT NULL,
    reason       text NOT NULL,
    failure_rate double precision,
    calls        bigint,
    failures     bigint,
    PRIMARY KEY (name, generation)
);
CREATE INDEX podium_breaker_events_at ON podium_breaker_events (at);
