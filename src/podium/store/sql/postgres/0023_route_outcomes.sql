-- podium schema 0023 (PostgreSQL): outcomes of workflows started by learned routers.

-- One row per routed workflow (the first end recorded wins): the lane it was routed to and
-- the reward of its outcome. Every process's router folds these rows into its bandit, so
-- what one worker observed is learned by every starter, and a restart keeps it.
CREATE TABLE podium_route_outcomes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    router      text NOT NULL,
    workflow_id text NOT NULL,
    lane        text NOT NULL,
    reward      double precision NOT NULL,
    at          double precision NOT NULL,
    UNIQUE (router, workflow_id)
);

CREATE INDEX podium_route_outcomes_at ON podium_route_outcomes (router, at);
