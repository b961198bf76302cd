-- podium schema 0015 (PostgreSQL): token expiry, and the audit log as a hash chain (each entry
-- holds the hash of the one before it; `podium audit verify` recomputes the chain).

ALTER TABLE podium_api_tokens ADD COLUMN expires_at double precision;

ALTER TABLE podium_audit_log ADD COLUMN prev_hash text;
ALTER TABLE podium_audit_log ADD COLUMN hash text;

CREATE UNIQUE INDEX podium_audit_log_chain ON podium_audit_log (prev_hash);
