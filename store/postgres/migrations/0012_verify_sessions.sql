-- Verification that follows the call (issue 13). A call's ticket and the verification session an
-- event was done under are audit fields ('' when none); the audit can be searched by ticket.
ALTER TABLE audit ADD COLUMN ticket text NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN session text NOT NULL DEFAULT '';
CREATE INDEX audit_ticket ON audit (ticket, id) WHERE ticket <> '';

-- One row per verification session: a caller's successful verification, seen by every desk until
-- expires_at, unless an unlock, reset, PIN change or dispute ends it first (ended_at, end_reason).
CREATE TABLE verify_sessions (
    id         text PRIMARY KEY,
    account_id text NOT NULL,
    contact_id text NOT NULL,
    holder_id  text NOT NULL,
    operator   text NOT NULL,
    channel    text NOT NULL,
    ticket     text NOT NULL DEFAULT '',
    started_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    ended_at   timestamptz,
    end_reason text
);
CREATE INDEX verify_sessions_open ON verify_sessions (account_id, started_at) WHERE ended_at IS NULL;

-- An unlock or reset that waits for a second supervisor (0011_approvals) keeps the ticket of the
-- call that asked, so the action, done when approved, is recorded with it.
ALTER TABLE approvals ADD COLUMN ticket text NOT NULL DEFAULT '';
