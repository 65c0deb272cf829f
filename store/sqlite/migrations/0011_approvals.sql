-- Dual control, four eyes (issue 12, model/approval.go): an unlock or reset that needs a second
-- person waits here as a request until another operator approves or refuses it, or it expires.
-- At most one request is pending per account, holder and action (a second asking gets the first).
-- Times are UTC unix nanoseconds. requester_token is the id of the API token the request came with
-- ('' in embedded mode), so the same token cannot approve it under another name.
CREATE TABLE approvals (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    action          TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    holder_id       TEXT NOT NULL DEFAULT '', -- '' for a reset
    reason          TEXT NOT NULL,
    channel         TEXT NOT NULL,
    rule            TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    requester_role  TEXT NOT NULL,
    requester_token TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      INTEGER,
    decision_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX approvals_one_pending ON approvals (account_id, holder_id, action) WHERE status = 'pending';
CREATE INDEX approvals_pending ON approvals (expires_at) WHERE status = 'pending';

-- Every event of a request's life carries its id and, from the decision on, the second person's
-- name; both are covered by the audit chain (store.CanonicalAudit, tags 'a' and 'q') only when
-- set, so the events written before verify as they did.
ALTER TABLE audit ADD COLUMN approver TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN request_id INTEGER;
