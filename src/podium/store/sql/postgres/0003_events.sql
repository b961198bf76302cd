-- Events and messages (PostgreSQL). Same tables and meaning as SQLite; see
-- podium.store.events. Publishers of one topic serialize on an advisory lock, so event seqs
-- of a topic commit in order and a wait never misses an event that commits late.

CREATE TABLE podium_events (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text NOT NULL UNIQUE,
    topic      text NOT NULL,
    key        text,
    payload    text,
    source     text,
    created_at double precision NOT NULL
);
CREATE INDEX podium_events_topic ON podium_events (topic, seq);
CREATE INDEX podium_events_topic_key ON podium_events (topic, key, seq);

CREATE TABLE podium_subscriptions (
    workflow   text NOT NULL,
    pattern    text NOT NULL,
    queue      text NOT NULL,
    timeout    double precision,
    updated_at double precision NOT NULL,
    PRIMARY KEY (workflow, pattern)
);

CREATE TABLE podium_waits (
    workflow_id text NOT NULL,
    seq         integer NOT NULL,
    kind        text NOT NULL,
    topic       text NOT NULL,
    key         text,
    after_seq   bigint NOT NULL,
    deadline    double precision,
    created_at  double precision NOT NULL,
    PRIMARY KEY (workflow_id, seq)
);
CREATE INDEX podium_waits_topic ON podium_waits (kind, topic);

CREATE TABLE podium_messages (
    workflow_id text NOT NULL,
    topic       text NOT NULL,
    seq         bigint NOT NULL,
    id          text NOT NULL,
    payload     text,
    created_at  double precision NOT NULL,
    PRIMARY KEY (workflow_id, topic, seq),
    UNIQUE (workflow_id, id)
);
