-- Idempotency keys, bound to the whole request. A key now belongs to whoever sent it (scope: the
-- API token's id, or "local:<operator>" in embedded mode), is claimed for its request before any
-- PIN is compared, and keeps a keyed hash of that request (account, holder, caller, channel, PIN)
-- so the same key with another request is refused. The old table is dropped with its rows: keys
-- are transient (a retry comes within seconds), and an old row, scoped by operator name and
-- without a PIN in its fingerprint, could not be honoured safely anyway.
DROP TABLE idempotency;
CREATE TABLE idempotency (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint BLOB NOT NULL,    -- HMAC-SHA256 under a subkey of the key file; never the PIN
    account_id  TEXT NOT NULL,
    holder_id   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL, -- past it the key is forgotten, never answered
    result      TEXT,             -- the model.VerifyResult as JSON; NULL until the claim is answered
    event_id    INTEGER,          -- the audit event of that answer
    PRIMARY KEY (scope, key)
);
-- An unlock, a PIN change or a reset forgets the keys of its holders.
CREATE INDEX idempotency_holder ON idempotency (account_id, holder_id);
CREATE INDEX idempotency_expires ON idempotency (expires_at);

-- A verification answered from its idempotency key is audited, pointing at the first answer's event.
ALTER TABLE audit ADD COLUMN replay_of INTEGER;
