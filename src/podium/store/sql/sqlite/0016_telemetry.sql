-- podium schema 0016 (SQLite): per-minute telemetry rollups, anomalies, the scorer's cursor
-- and the scaling advice's last decision (for hysteresis).

-- One row per (series, minute, process): each process owns its rows and rewrites them with
-- its cumulative in-memory counts when it flushes, so writers never contend on a row.
-- Readers add the processes up (the latency sketch is a mergeable histogram, as JSON).
CREATE TABLE podium_telemetry (
    series        TEXT NOT NULL,
    minute        INTEGER NOT NULL,
    process       TEXT NOT NULL,
    starts        INTEGER NOT NULL DEFAULT 0,
    completions   INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    retries       INTEGER NOT NULL DEFAULT 0,
    arrivals      INTEGER NOT NULL DEFAULT 0,
    depth         INTEGER,
    wait_sum      REAL NOT NULL DEFAULT 0,
    wait_count    INTEGER NOT NULL DEFAULT 0,
    latency       TEXT,
    updated_at    REAL NOT NULL,
    PRIMARY KEY (series, minute, process)
) WITHOUT ROWID;

CREATE INDEX podium_telemetry_minute ON podium_telemetry (minute);

CREATE TABLE podium_anomalies (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    series     TEXT NOT NULL,
    at         REAL NOT NULL,
    value      REAL NOT NULL,
    expected   REAL NOT NULL,
    score      REAL NOT NULL,
    message    TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (series, at)
);

CREATE INDEX podium_anomalies_at ON podium_anomalies (at);

-- Named cursors (the last minute the anomaly scorer finished): advanced by compare-and-set,
-- so one process in the cluster scores each minute.
CREATE TABLE podium_telemetry_marks (
    name   TEXT PRIMARY KEY,
    minute INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE podium_scaling (
    queue      TEXT PRIMARY KEY,
    desired    INTEGER NOT NULL,
    updated_at REAL NOT NULL
) WITHOUT ROWID;
