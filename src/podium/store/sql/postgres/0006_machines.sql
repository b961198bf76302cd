-- State machines (PostgreSQL). See podium.store.machines for what each table is for.

-- One row per instance of a machine: its current state, its data (JSON) and a version that
-- every transition bumps by one. `send` moves an instance with a conditional UPDATE on the
-- version it read, so of two concurrent sends from one version exactly one wins.
CREATE TABLE podium_machines (
    machine    text NOT NULL,
    id         text NOT NULL,
    state      text NOT NULL,
    data       text,
    version    bigint NOT NULL,
    created_at double precision NOT NULL,
    updated_at double precision NOT NULL,
    PRIMARY KEY (machine, id)
);

-- The transition log, append-only, written in the transaction that moves the instance:
-- seq is the instance's version after the transition (1, 2, ...), data its data after it.
CREATE TABLE podium_machine_transitions (
    machine    text NOT NULL,
    id         text NOT NULL,
    seq        bigint NOT NULL,
    event      text NOT NULL,
    from_state text NOT NULL,
    to_state   text NOT NULL,
    at         double precision NOT NULL,
    payload    text,
    data       text,
    PRIMARY KEY (machine, id, seq)
);
