-- Queries of the schema migrator (podium.store.migrate), every dialect. Each block starts
-- with "-- name: NAME"; values are bound parameters named :like_this.

-- name: schema_table
CREATE TABLE IF NOT EXISTS podium_schema (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at double precision NOT NULL
);

-- name: schema_versions
SELECT version FROM podium_schema;

-- name: record_migration
INSERT INTO podium_schema (version, name, applied_at) VALUES (:version, :name, :now);
