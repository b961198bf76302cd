-- podium schema 0018 (PostgreSQL): remediation rules' state and the audited log of their
-- decisions.

-- One row per rule: the last tick evaluated (advanced by compare-and-set, so one process in
-- the cluster evaluates each rule per tick) and when it last fired (its cooldown survives
-- restarts).
CREATE TABLE podium_remediation_rules (
    name     text PRIMARY KEY,
    tick     bigint NOT NULL,
    fired_at double precision,
    fires    bigint NOT NULL DEFAULT 0
);

CREATE TABLE podium_remediations (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule      text NOT NULL,
    tick      bigint NOT NULL,
    at        double precision NOT NULL,
    condition text NOT NULL,
    action    text NOT NULL,
    dry_run   integer NOT NULL,
    result    text NOT NULL,
    UNIQUE (rule, tick)
);

CREATE INDEX podium_remediations_at ON podium_remediations (at);
