-- Anomaly alerts (issue 12): one desk (an API token, or the local operator of the embedded app)
-- failing PINs across many accounts. desk_failures holds one row per counted wrong PIN, written
-- in the verification's transaction and forgotten once it leaves the window; desk_alerts one row
-- per alert, at most one open (cleared_at NULL) per desk. next_verify_at paces a desk with an open
-- alert. Times are UTC unix nanoseconds.
CREATE TABLE desk_failures (
    desk       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    account_id TEXT NOT NULL
);
CREATE INDEX desk_failures_by_desk ON desk_failures (desk, at);

CREATE TABLE desk_alerts (
    id             TEXT PRIMARY KEY,
    desk           TEXT NOT NULL,
    operator       TEXT NOT NULL,
    role           TEXT NOT NULL,
    raised_at      INTEGER NOT NULL,
    failures       INTEGER NOT NULL,
    accounts       INTEGER NOT NULL,
    next_verify_at INTEGER NOT NULL,
    cleared_at     INTEGER,
    cleared_by     TEXT,
    clear_reason   TEXT
);
CREATE UNIQUE INDEX desk_alerts_open ON desk_alerts (desk) WHERE cleared_at IS NULL;
