-- podium schema 0026 (SQLite): claim-check blobs whose deletion failed, to be retried.

-- One row per blob a purge found unreferenced but could not delete (the blob store raised):
-- every later purge or retention sweep tries again, after checking again that no row holds
-- it, and removes the row once the blob is gone (or held again).
CREATE TABLE podium_blob_deletes (
    blob_key   TEXT PRIMARY KEY,
    attempts   INTEGER NOT NULL,
    failed_at  REAL NOT NULL,
    reason     TEXT NOT NULL
);

CREATE INDEX podium_blob_deletes_failed_at ON podium_blob_deletes (failed_at);
