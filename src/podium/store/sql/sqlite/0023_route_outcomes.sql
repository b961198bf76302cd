-- podium schema 0023 (SQLite): outcomes of workflows started by learned routers.

-- One row per routed workflow (the first end recorded wins): the lane it was routed to and
-- the reward of its outcome. Every process's router folds these rows into its bandit, so
-- what one worker observed is learned by every starter, and a restart keeps it.
CREATE TABLE podium_route_outcomes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    router      TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    lane        TEXT NOT NULL,
    reward      REAL NOT NULL,
    at          REAL NOT NULL,
    UNIQUE (router, workflow_id)
);

CREATE INDEX podium_route_outcomes_at ON podium_route_outcomes (router, at);
