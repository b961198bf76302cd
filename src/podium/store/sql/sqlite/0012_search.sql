-- podium schema 0012 (SQLite): search attributes and debounced starts.

-- The type each search attribute key holds (str, int, float, bool), fixed by its first use,
-- so a filter or a write of another type is refused with a clear error.
CREATE TABLE podium_search_keys (
    key  TEXT PRIMARY KEY,
    type TEXT NOT NULL
) WITHOUT ROWID;

-- Search attributes as a side table (one row per workflow and key) rather than a JSON
-- column: SQLite cannot index into a JSON document for arbitrary keys (an expression index
-- needs one fixed path per key), while (key, value) is one ordinary B-tree that every
-- equality filter uses, whatever the key. A workflow without attributes has no row here,
-- so creating, claiming and finishing it cost nothing more. `value` has no declared type (in
-- a non-STRICT table ANY would mean NUMERIC affinity and turn "9" into 9). Booleans are 0/1; the
-- key's type in podium_search_keys says how to read them back.
CREATE TABLE podium_search (
    workflow_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       NOT NULL,  -- no declared type: no affinity, values keep their own type
    PRIMARY KEY (workflow_id, key)
) WITHOUT ROWID;
CREATE INDEX podium_search_value ON podium_search (key, value, workflow_id);

-- One row per (workflow name, debounce key): the workflow that later starts with that key
-- fold into while it has not started running.
CREATE TABLE podium_debounce (
    workflow    TEXT NOT NULL,
    key         TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    updated_at  REAL NOT NULL,
    PRIMARY KEY (workflow, key)
) WITHOUT ROWID;
