-- Anomaly alerts (issue 12): one desk (an API token, or the local operator of the embedded app)
-- failing PINs across many accounts. desk_failures holds one row per counted wrong PIN, written
-- in the verification's transaction and forgotten once it leaves the window; desk_alerts one row
-- per alert, at most one open (cleared_at NULL) per desk. next_verify_at paces a desk with an open
-- alert. desks has one row per desk that ever failed: its row lock serialises the counting of that
-- desk's failures across servers, so the count is exact and one alert is raised.
CREATE TABLE desks (
    desk text PRIMARY KEY
);

CREATE TABLE desk_failures (
    desk       text NOT NULL,
    at         timestamptz NOT NULL,
    account_id text NOT NULL
);
CREATE INDEX desk_failures_by_desk ON desk_failures (desk, at);

CREATE TABLE desk_alerts (
    id             text PRIMARY KEY,
    desk           text NOT NULL,
    operator       text NOT NULL,
    role           text NOT NULL,
    raised_at      timestamptz NOT NULL,
    failures       integer NOT NULL,
    accounts       integer NOT NULL,
    next_verify_at timestamptz NOT NULL,
    cleared_at     timestamptz,
    cleared_by     text,
    clear_reason   text
);
CREATE UNIQUE INDEX desk_alerts_open ON desk_alerts (desk) WHERE cleared_at IS NULL;
