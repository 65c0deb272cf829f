-- The outbox of customer notices (issue 11): one row per notice, written in the transaction of the
-- change it tells of, removed once every destination took it. seq orders delivery; id is the
-- notice's stable id, sent with every try so a receiver drops duplicates. Times are UTC unix
-- nanoseconds. A row whose lease_until is past (or NULL) may be claimed by any deliverer.
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
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
    lease_until INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_at);
