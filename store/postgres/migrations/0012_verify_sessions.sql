-- Verification that follows the call (issue 13). A call's ticket and the verification session an
-- event was done under are audit fields ('' when none); the audit can be searched by ticket.
ALTER TABLE audit ADD COLUMN ticket text NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN session text NOT NULL DEFAULT '';
CREATE INDEX audit_ticket ON audit (ticket, id) WHERE ticket <> '';

-- A verification session is not a table: the successful verification's own event names it
-- (session) and holds all it is, and its end is a session_end event naming it (store/session.go),
-- so a verification writes nothing more for its session. Sessions are read by account, newest
-- first, from audit_account (0001).

-- An unlock or reset that waits for a second supervisor (0011_approvals) keeps the ticket of the
-- call that asked, so the action, done when approved, is recorded with it.
ALTER TABLE approvals ADD COLUMN ticket text NOT NULL DEFAULT '';
