-- podium schema 0018 (SQLite): remediation rules' state and the audited log of their decisions.

-- One row per rule: the last tick evaluated (advanced by compare-and-set, so one process in
-- the cluster evaluates each rule per tick) and when it last fired (its cooldown survives
-- restarts).
CREATE TABLE podium_remediation_rules (
    name     TEXT PRIMARY KEY,
    tick     INTEGER NOT NULL,
    fired_at REAL,
    fires    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE podium_remediations (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    rule      TEXT NOT NULL,
    tick      INTEGER NOT NULL,
    at        REAL NOT NULL,
    condition TEXT NOT NULL,
    action    TEXT NOT NULL,
    dry_run   INTEGER NOT NULL,
    result    TEXT NOT NULL,
    UNIQUE (rule, tick)
);

CREATE INDEX podium_remediations_at ON podium_remediations (at);
