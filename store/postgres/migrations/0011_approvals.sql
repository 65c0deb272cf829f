-- Dual control, four eyes (issue 12, model/approval.go): an unlock or reset that needs a second
-- person waits here as a request until another operator approves or refuses it, or it expires.
-- At most one request is pending per account, holder and action (a second asking gets the first,
-- from any server). requester_token is the id of the API token the request came with, so the same
-- token cannot approve it under another name.
CREATE TABLE approvals (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action          text NOT NULL,
    account_id      text NOT NULL,
    holder_id       text NOT NULL DEFAULT '', -- '' for a reset
    reason          text NOT NULL,
    channel         text NOT NULL,
    rule            text NOT NULL,
    requested_by    text NOT NULL,
    requester_role  text NOT NULL,
    requester_token text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'pending',
    decided_by      text NOT NULL DEFAULT '',
    decided_at      timestamptz,
    decision_reason text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX approvals_one_pending ON approvals (account_id, holder_id, action) WHERE status = 'pending';
CREATE INDEX approvals_pending ON approvals (expires_at) WHERE status = 'pending';

-- Every event of a request's life carries its id and, from the decision on, the second person's
-- name; both are covered by the audit chain (store.CanonicalAudit, tags 'a' and 'q') only when
-- set, so the events written before verify as they did.
ALTER TABLE audit ADD COLUMN approver text NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN request_id bigint;
