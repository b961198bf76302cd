-- podium schema 0012 (PostgreSQL): search attributes and debounced starts.

-- The type each search attribute key holds (str, int, float, bool), fixed by its first use,
-- so a filter or a write of another type is refused with a clear error.
CREATE TABLE podium_search_keys (
    key  TEXT PRIMARY KEY,
    type TEXT NOT NULL
);

-- Search attributes as one JSONB document per workflow, NULL when it has none. Filters are
-- containment (`search @> '{"customer": "c-9"}'`), which the GIN index answers for any key.
-- The index is partial: a workflow without attributes adds no index entry, so creating,
-- claiming and finishing it cost nothing more.
ALTER TABLE podium_workflows ADD COLUMN search JSONB;
CREATE INDEX podium_workflows_search ON podium_workflows
    USING GIN (search jsonb_path_ops) WHERE search IS NOT NULL;

-- One row per (workflow name, debounce key): the workflow that later starts with that key
-- fold into while it has not started running.
CREATE TABLE podium_debounce (
    workflow    TEXT NOT NULL,
    key         TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    updated_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (workflow, key)
);
