-- Verification that follows the call (issue 13). A call's ticket and the verification session an
-- event was done under are audit fields ('' when none); the audit can be searched by ticket.
ALTER TABLE audit ADD COLUMN ticket TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN session TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_ticket ON audit (ticket, id) WHERE ticket <> '';

-- One row per verification session: a caller's successful verification, seen by every desk until
-- expires_at, unless an unlock, reset, PIN change or dispute ends it first (ended_at, end_reason).
-- Times are UTC unix nanoseconds. Every successful verification writes a row, so the table is one
-- B-tree (WITHOUT ROWID), keyed by account first as every read and every ending goes by account:
-- a rowid table with an index on the id and one on the account wrote three trees a verification.
-- The id (random, 130 bits) is unique on its own.
CREATE TABLE verify_sessions (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    holder_id  TEXT NOT NULL,
    operator   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    ticket     TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ended_at   INTEGER,
    end_reason TEXT,
    PRIMARY KEY (account_id, id)
) WITHOUT ROWID;

-- An unlock or reset that waits for a second supervisor (0011_approvals) keeps the ticket of the
-- call that asked, so the action, done when approved, is recorded with it.
ALTER TABLE approvals ADD COLUMN ticket TEXT NOT NULL DEFAULT '';
