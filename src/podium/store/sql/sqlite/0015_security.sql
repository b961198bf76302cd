-- podium schema 0015 (SQLite): token expiry, and the audit log as a hash chain (each entry
-- holds the hash of the one before it; `podium audit verify` recomputes the chain).

ALTER TABLE podium_api_tokens ADD COLUMN expires_at REAL;

ALTER TABLE podium_audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE podium_audit_log ADD COLUMN hash TEXT;

CREATE UNIQUE INDEX podium_audit_log_chain ON podium_audit_log (prev_hash);
