-- podium schema, version 9 (SQLite): `ready_at` had two meanings (when a waiting workflow
-- may run, when a running one's lease expires); the column now says what both are for a
-- claimer, and records expose the two meanings under their own names.
ALTER TABLE podium_workflows RENAME COLUMN ready_at TO claimable_at;
