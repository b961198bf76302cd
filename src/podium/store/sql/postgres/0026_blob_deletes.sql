-- podium schema 0026 (PostgreSQL): claim-check blobs whose deletion failed, to be retried.

-- One row per blob a purge found unreferenced but could not delete (the blob store raised):
-- every later purge or retention sweep tries again, after checking again that no row holds
-- it, and removes the row once the blob is gone (or held again).
CREATE TABLE podium_blob_deletes (
    blob_key   text PRIMARY KEY,
    attempts   integer NOT NULL,
    failed_at  double precision NOT NULL,
    reason     text NOT NULL
);

CREATE INDEX podium_blob_deletes_failed_at ON podium_blob_deletes (failed_at);
