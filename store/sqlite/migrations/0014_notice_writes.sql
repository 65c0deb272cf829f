-- Fewer B-trees per customer notice (issue 11: a verification with the outbox on at most 10 %
-- slower than with it off). A notice wrote six: the outbox row, its AUTOINCREMENT counter in
-- sqlite_sequence, its id's unique index and its due index, and the notice log's row and the
-- separate index of its TEXT key. After this it writes four:
--
--   - notice_log becomes WITHOUT ROWID, keyed by id: the row lives in its key's B-tree, so the one
--     insert touches one B-tree instead of two. It is only ever read by id (a dispute names one).
--
--   - outbox.seq stays the rowid but loses AUTOINCREMENT, so a notice no longer updates
--     sqlite_sequence. What relies on seq is the order of delivery, of the listing (admin events
--     list) and of retries (ORDER BY seq), always among the rows present at one time; seq never
--     leaves the store. Without AUTOINCREMENT a new row gets max(seq)+1, which is still above every
--     row present, so that order is the order of writing as before. A seq can now be reused once
--     the newest row was delivered and deleted, which is harmless: nothing remembers a deleted
--     row's seq (deliveries, failures and retries find a row by its id).
--
-- The id's unique index stays: deliveries, failures and retries find a row by id, and a deliverer
-- catching up on a long backlog must not scan the outbox for each. System notices (checkpoints)
-- are in no notice log that could stand for the id's uniqueness either.
--
-- Both tables are rebuilt by SQLite's procedure for other schema changes
-- (https://www.sqlite.org/lang_altertable.html#otheralter: create new_X, copy, drop X, rename
-- new_X to X, recreate the indexes), with one difference: the migrations run in one transaction,
-- where PRAGMA foreign_keys cannot be turned off, so the steps are ordered to break no foreign key
-- at any point instead. disputes.event_id REFERENCES notice_log(id), so disputes is rebuilt too,
-- referring to new_notice_log, and the old disputes is dropped before the old notice_log; renaming
-- new_notice_log to notice_log then rewrites the reference in disputes (SQLite ≥ 3.26 always
-- does). Every copied row is checked against its foreign key as it is inserted. No trigger or view
-- refers to these tables.

CREATE TABLE new_notice_log (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    account_id TEXT NOT NULL,
    holder_id  TEXT NOT NULL DEFAULT '', -- '' for the whole account
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO new_notice_log (id, type, account_id, holder_id, created_at)
    SELECT id, type, account_id, holder_id, created_at FROM notice_log;

-- As in 0006_disputes.sql, but for the table it refers to until the rename below.
CREATE TABLE new_disputes (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    holder_id    TEXT NOT NULL,
    event_id     TEXT NOT NULL UNIQUE REFERENCES new_notice_log (id),
    event_type   TEXT NOT NULL,
    text         TEXT NOT NULL DEFAULT '',
    operator     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    cleared_at   INTEGER,
    cleared_by   TEXT,
    clear_reason TEXT
);
INSERT INTO new_disputes (id, account_id, holder_id, event_id, event_type, text, operator, created_at, cleared_at, cleared_by, clear_reason)
    SELECT id, account_id, holder_id, event_id, event_type, text, operator, created_at, cleared_at, cleared_by, clear_reason FROM disputes;

DROP TABLE disputes;   -- the child first: the old notice_log then has no row referring to it
DROP TABLE notice_log;
ALTER TABLE new_notice_log RENAME TO notice_log; -- new_disputes now REFERENCES notice_log (id)
ALTER TABLE new_disputes RENAME TO disputes;
CREATE INDEX disputes_open ON disputes (account_id, created_at) WHERE cleared_at IS NULL;

-- As in 0005_outbox.sql and 0009_emailed_code.sql, without AUTOINCREMENT.
CREATE TABLE new_outbox (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    notice      TEXT NOT NULL,              -- the notice as JSON (never a PIN)
    created_at  INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    since       INTEGER NOT NULL,           -- start of the retry window
    next_at     INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    done        TEXT NOT NULL DEFAULT '[]', -- destinations that took it, as a JSON array
    last_error  TEXT NOT NULL DEFAULT '',
    lease_owner TEXT,
    lease_until INTEGER,
    sealed      BLOB                        -- a contact.code notice's sealed code
);
INSERT INTO new_outbox (seq, id, type, account_id, notice, created_at, state, since, next_at, attempts, done, last_error, lease_owner, lease_until, sealed)
    SELECT seq, id, type, account_id, notice, created_at, state, since, next_at, attempts, done, last_error, lease_owner, lease_until, sealed FROM outbox;
DROP TABLE outbox;     -- and with it its row of sqlite_sequence
ALTER TABLE new_outbox RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_at);
