-- Fewer B-trees per customer notice (issue 11: a verification with the outbox on at most 10 %
-- slower than with it off). A notice wrote six: the outbox row, its AUTOINCREMENT counter in
-- sqlite_sequence, its id's unique index and its due index, and the notice log's row and the
-- separate index of its TEXT key. After this it writes three:
--
--   - notice_log becomes WITHOUT ROWID, keyed by id: the row lives in its key's B-tree, so its
--     insert touches one B-tree instead of two.
--
--   - the outbox's unique index on id goes: notice_log, whose key is the id, now logs every notice
--     written, a system notice (an audit checkpoint, about no account: account_id '') too, with its
--     outbox row's seq (outbox_seq). So a notice id is unique because its log row is, and a delivery,
--     a failure or a retry finds its outbox row by id through the log: one key lookup, then the
--     row by seq. A notice is logged in the transaction that writes it to the outbox, and a log row
--     is never deleted, so every outbox row has its log row. No customer disputes a system notice:
--     SentNotice looks only at the notices of the account it names, never at account ''.
--
--   - outbox.seq stays the rowid but loses AUTOINCREMENT, so a notice no longer updates
--     sqlite_sequence. What relies on seq is the order of delivery, of the listing (admin events
--     list) and of retries (ORDER BY seq), always among the rows present at one time. Without
--     AUTOINCREMENT a new row gets max(seq)+1, which is still above every row present, so that
--     order is the order of writing as before. A seq can now be reused once the newest row was
--     delivered and deleted, and then the delivered notice's log row names a seq that is another
--     notice's: harmless, as a lookup through the log takes the outbox row only when its id is the
--     one looked for too, and nothing else keeps a deleted row's seq.
--
-- The tables are rebuilt by SQLite's procedure for other schema changes
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
    created_at INTEGER NOT NULL,
    outbox_seq INTEGER                   -- its outbox row's seq (see above); NULL: delivered before 0014
) WITHOUT ROWID;
INSERT INTO new_notice_log (id, type, account_id, holder_id, created_at, outbox_seq)
    SELECT l.id, l.type, l.account_id, l.holder_id, l.created_at, o.seq FROM notice_log l LEFT JOIN outbox o ON o.id = l.id;
-- The outbox rows not logged yet: system notices (every holder's notice was logged with its write,
-- or by 0006_disputes.sql).
INSERT INTO new_notice_log (id, type, account_id, holder_id, created_at, outbox_seq)
    SELECT id, type, account_id, coalesce(json_extract(notice, '$.holder'), ''), created_at, seq FROM outbox WHERE id NOT IN (SELECT id FROM notice_log);

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

-- As in 0005_outbox.sql and 0009_emailed_code.sql, without AUTOINCREMENT and without the unique
-- index on id (notice_log keys the ids).
CREATE TABLE new_outbox (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,
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
