-- Verification that follows the call (issue 13). A call's ticket and the verification session an
-- event was done under are audit fields ('' when none); the audit can be searched by ticket.
ALTER TABLE audit ADD COLUMN ticket TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN session TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_ticket ON audit (ticket, id) WHERE ticket <> '';

-- One row per verification session: a caller's successful verification, seen by every desk until
-- expires_at, unless an unlock, reset, PIN change or dispute ends it first (ended_at, end_reason).
-- Times are UTC unix nanoseconds.
CREATE TABLE verify_sessions (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    holder_id  TEXT NOT NULL,
    operator   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    ticket     TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ended_at   INTEGER,
    end_reason TEXT
);
CREATE INDEX verify_sessions_open ON verify_sessions (account_id, started_at) WHERE ended_at IS NULL;
