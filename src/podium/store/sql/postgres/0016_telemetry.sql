-- podium schema 0016 (PostgreSQL): per-minute telemetry rollups, anomalies, the scorer's
-- cursor and the scaling advice's last decision (for hysteresis).

-- One row per (series, minute, process): each process owns its rows and rewrites them with
-- its cumulative in-memory counts when it flushes, so writers never contend on a row.
-- Readers add the processes up (the latency sketch is a mergeable histogram, as JSON).
CREATE TABLE podium_telemetry (
    series        text NOT NULL,
    minute        bigint NOT NULL,
    process       text NOT NULL,
    starts        bigint NOT NULL DEFAULT 0,
    completions   bigint NOT NULL DEFAULT 0,
    failures      bigint NOT NULL DEFAULT 0,
    retries       bigint NOT NULL DEFAULT 0,
    arrivals      bigint NOT NULL DEFAULT 0,
    depth         bigint,
    wait_sum      double precision NOT NULL DEFAULT 0,
    wait_count    bigint NOT NULL DEFAULT 0,
    latency       text,
    updated_at    double precision NOT NULL,
    PRIMARY KEY (series, minute, process)
);

CREATE INDEX podium_telemetry_minute ON podium_telemetry (minute);

CREATE TABLE podium_anomalies (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    series     text NOT NULL,
    at         double precision NOT NULL,
    value      double precision NOT NULL,
    expected   double precision NOT NULL,
    score      double precision NOT NULL,
    message    text NOT NULL,
    created_at double precision NOT NULL,
    UNIQUE (series, at)
);

CREATE INDEX podium_anomalies_at ON podium_anomalies (at);

-- Named cursors (the last minute the anomaly scorer finished): advanced by compare-and-set,
-- so one process in the cluster scores each minute.
CREATE TABLE podium_telemetry_marks (
    name   text PRIMARY KEY,
    minute bigint NOT NULL
);

CREATE TABLE podium_scaling (
    queue      text PRIMARY KEY,
    desired    integer NOT NULL,
    updated_at double precision NOT NULL
);
