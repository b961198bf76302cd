-- podium schema 0024 (PostgreSQL): API tokens limited to workflow names and queues, and the right
-- to read payloads.

-- A JSON array of the workflow names (or queues) the token may act on and see; NULL: any.
ALTER TABLE podium_api_tokens ADD COLUMN workflows TEXT;
ALTER TABLE podium_api_tokens ADD COLUMN queues TEXT;
-- 1: the token sees workflow inputs, outputs and history payloads (every token made before
-- this migration); 0: only their metadata (ids, names, statuses, times, error types).
ALTER TABLE podium_api_tokens ADD COLUMN payloads INTEGER NOT NULL DEFAULT 1;
