-- pindesk schema, version 1. Times are UTC unix nanoseconds (INTEGER) everywhere, so they sort and
-- compare as numbers and read back without any time-zone guess.

CREATE TABLE accounts (
    id        TEXT PRIMARY KEY,
    number    TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    product   TEXT NOT NULL DEFAULT '',
    uses_pins INTEGER NOT NULL
);
-- Search by number is a range on this index (case-insensitive for the letters some numbers carry),
-- and every search result is ordered by it.
CREATE INDEX accounts_number_nocase ON accounts (number COLLATE NOCASE, id);

CREATE TABLE contacts (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL,
    federated  INTEGER NOT NULL DEFAULT 0,
    position   INTEGER NOT NULL,
    PRIMARY KEY (account_id, id)
);

-- One row per PIN holder that has ever been touched: a contact, or the account itself ('account').
CREATE TABLE holders (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    holder_id  TEXT NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    locked_at  INTEGER,
    PRIMARY KEY (account_id, holder_id)
);

-- One row per holder and kind. sealed is NULL once the kind is cleared or revoked; previous keeps
-- the PIN it replaced so a new one can be refused for equalling it.
CREATE TABLE pins (
    account_id TEXT NOT NULL,
    holder_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    sealed     BLOB,
    previous   BLOB,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    spent_at   INTEGER,
    PRIMARY KEY (account_id, holder_id, kind),
    FOREIGN KEY (account_id, holder_id) REFERENCES holders(account_id, holder_id) ON DELETE CASCADE
);

-- The audit trail outlives accounts and contacts: no foreign keys, never cascaded.
CREATE TABLE audit (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    time          INTEGER NOT NULL,
    operator      TEXT NOT NULL,
    role          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    holder        TEXT NOT NULL DEFAULT '',
    caller        TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT '',
    outcome       TEXT NOT NULL,
    attempts_left INTEGER,
    reason        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_account ON audit (account_id, id);
CREATE INDEX audit_time ON audit (time);

CREATE TABLE idempotency (
    key         TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    result      TEXT NOT NULL, -- the model.VerifyResult as JSON
    created_at  INTEGER NOT NULL
);
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    hash       BLOB NOT NULL UNIQUE,
    operator   TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

-- Search: one row per searchable prefix source (the whole of a field, and each word of a name),
-- lower-cased; phones as their digits only. Account numbers are not here: they are searched on
-- accounts_number_nocase, where a prefix's matches are one ordered range. Clustered on term so a
-- prefix query is one range scan, carrying the account number so matches can be ordered without
-- touching accounts. field ranks which match is shown: 1 name, 2 contact, 3 email, 4 phone.
CREATE TABLE search_terms (
    term       TEXT NOT NULL,
    account_id TEXT NOT NULL,
    field      INTEGER NOT NULL,
    text       TEXT NOT NULL,
    number     TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (term, account_id, field, text)
) WITHOUT ROWID;
CREATE INDEX search_terms_account ON search_terms (account_id, term);
