-- The outbox of customer notices (issue 11): one row per notice, written in the transaction of the
-- change it tells of, removed once every destination took it. seq orders delivery; id is the
-- notice's stable id, sent with every try so a receiver drops duplicates. Deliverers on several
-- servers claim rows with FOR UPDATE SKIP LOCKED and a lease (lease_until): a row whose lease is
-- past (or NULL) may be claimed by any of them.
CREATE TABLE outbox (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          text NOT NULL UNIQUE,
    type        text NOT NULL,
    account_id  text NOT NULL,
    notice      jsonb NOT NULL,                 -- never a PIN
    created_at  timestamptz NOT NULL,
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    since       timestamptz NOT NULL,           -- start of the retry window
    next_at     timestamptz NOT NULL,
    attempts    integer NOT NULL DEFAULT 0,
    done        text[] NOT NULL DEFAULT '{}',   -- destinations that took it
    last_error  text NOT NULL DEFAULT '',
    lease_owner text,
    lease_until timestamptz
);
CREATE INDEX outbox_due ON outbox (state, next_at);
