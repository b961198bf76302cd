-- State machines (SQLite). See podium.store.machines for what each table is for.

-- One row per instance of a machine: its current state, its data (JSON) and a version that
-- every transition bumps by one. `send` moves an instance with a conditional UPDATE on the
-- version it read, so of two concurrent sends from one version exactly one wins.
CREATE TABLE podium_machines (
    machine    TEXT NOT NULL,
    id         TEXT NOT NULL,
    state      TEXT NOT NULL,
    data       TEXT,
    version    INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (machine, id)
) WITHOUT ROWID;

-- The transition log, append-only, written in the transaction that moves the instance:
-- seq is the instance's version after the transition (1, 2, ...), data its data after it.
CREATE TABLE podium_machine_transitions (
    machine    TEXT NOT NULL,
    id         TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    event      TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    at         REAL NOT NULL,
    payload    TEXT,
    data       TEXT,
    PRIMARY KEY (machine, id, seq)
) WITHOUT ROWID;
