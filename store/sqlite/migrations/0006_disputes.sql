-- "That wasn't me" (issue 11). notice_log keeps, for good, the id of every notice written, with its
-- account: the outbox forgets a notice once delivered, but a customer may dispute it later, and a
-- dispute must name a notice of its own account. Notices still in the outbox are logged here too;
-- those delivered before this migration are not known any more. Times are UTC unix nanoseconds.
CREATE TABLE notice_log (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    account_id TEXT NOT NULL,
    holder_id  TEXT NOT NULL DEFAULT '', -- '' for the whole account
    created_at INTEGER NOT NULL
);
INSERT INTO notice_log (id, type, account_id, holder_id, created_at)
    SELECT id, type, account_id, coalesce(json_extract(notice, '$.holder'), ''), created_at FROM outbox;

-- One row per dispute; a notice is disputed at most once. An open dispute (cleared_at NULL) shows
-- the account as DISPUTED. text is the customer's own words, never shown to agents.
CREATE TABLE disputes (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    holder_id    TEXT NOT NULL,
    event_id     TEXT NOT NULL UNIQUE REFERENCES notice_log (id),
    event_type   TEXT NOT NULL,
    text         TEXT NOT NULL DEFAULT '',
    operator     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    cleared_at   INTEGER,
    cleared_by   TEXT,
    clear_reason TEXT
);
CREATE INDEX disputes_open ON disputes (account_id, created_at) WHERE cleared_at IS NULL;
