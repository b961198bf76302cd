-- The migrator's PostgreSQL-only queries: one migrator at a time per schema, and where the
-- tables live.

-- name: migrate_lock
SELECT pg_advisory_xact_lock(hashtextextended(:key, 0));

-- name: current_schema
SELECT current_schema() AS schema;
