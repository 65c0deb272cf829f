-- pindesk PostgreSQL schema, version 1. It mirrors the SQLite schema (store/sqlite/migrations) table
-- for table, with PostgreSQL's types: timestamptz for times, bytea for sealed PINs.
--
-- Tables are unqualified: they live in the first schema of the connection's search_path, so a
-- deployment may keep pindesk in a schema of its own (…&search_path=pindesk in the URL).
-- Identifiers and numbers that are ordered or prefix-searched are COLLATE "C": byte order, the same
-- on every server and the same as SQLite's and Go's, and a prefix is then an index range.

CREATE TABLE accounts (
    id        text PRIMARY KEY,
    number    text COLLATE "C" NOT NULL UNIQUE,
    name      text NOT NULL,
    product   text NOT NULL DEFAULT '',
    uses_pins boolean NOT NULL
);
-- Search by number is a range on this index, and every search result is ordered by it. lower() of
-- a COLLATE "C" value folds ASCII letters only — SQLite's NOCASE — for the letters some numbers
-- carry.
CREATE INDEX accounts_number_nocase ON accounts ((lower(number)), id);

CREATE TABLE contacts (
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id         text NOT NULL,
    name       text NOT NULL,
    email      text NOT NULL DEFAULT '',
    phone      text NOT NULL DEFAULT '',
    role       text NOT NULL,
    federated  boolean NOT NULL DEFAULT false,
    position   integer NOT NULL,
    PRIMARY KEY (account_id, id)
);

-- One row per PIN holder that has ever been touched: a contact, or the account itself ('account').
-- The row is the holder's lock: every change to the holder, on every server sharing the database,
-- first takes it with SELECT … FOR UPDATE.
CREATE TABLE holders (
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    holder_id  text NOT NULL,
    failures   integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_at  timestamptz,
    PRIMARY KEY (account_id, holder_id)
);

-- One row per holder and kind. sealed is NULL once the kind is cleared or revoked; previous keeps
-- the PIN it replaced so a new one can be refused for equalling it.
CREATE TABLE pins (
    account_id text NOT NULL,
    holder_id  text NOT NULL,
    kind       text NOT NULL,
    sealed     bytea,
    previous   bytea,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    spent_at   timestamptz,
    PRIMARY KEY (account_id, holder_id, kind),
    FOREIGN KEY (account_id, holder_id) REFERENCES holders (account_id, holder_id) ON DELETE CASCADE
);

-- The audit trail outlives accounts and contacts: no foreign keys, never cascaded.
CREATE TABLE audit (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time          timestamptz NOT NULL,
    operator      text NOT NULL,
    role          text NOT NULL,
    channel       text NOT NULL,
    account_id    text NOT NULL,
    holder        text NOT NULL DEFAULT '',
    caller        text NOT NULL DEFAULT '',
    action        text NOT NULL,
    kind          text NOT NULL DEFAULT '',
    outcome       text NOT NULL,
    attempts_left integer,
    reason        text NOT NULL DEFAULT ''
);
CREATE INDEX audit_account ON audit (account_id, id);
CREATE INDEX audit_time ON audit (time);

-- key is bytea: the core joins operator and key with a NUL byte, which text cannot hold.
CREATE TABLE idempotency (
    key         bytea PRIMARY KEY,
    fingerprint text NOT NULL,
    result      jsonb NOT NULL, -- the model.VerifyResult
    created_at  timestamptz NOT NULL
);
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE tokens (
    id         text PRIMARY KEY,
    hash       bytea NOT NULL UNIQUE,
    operator   text NOT NULL,
    role       text NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

-- Search: one row per searchable prefix source (the whole of a field, and each word of a name),
-- lower-cased; phones as their digits only. Account numbers are not here: they are searched on
-- accounts_number_nocase, where a prefix's matches are one ordered range. The primary key leads
-- with term (byte-ordered), so a prefix is one index range: term >= q AND term < q'. number is the
-- account's lower(number), so matches are ordered without touching accounts. field ranks which
-- match is shown: 1 name, 2 contact, 3 email, 4 phone.
CREATE TABLE search_terms (
    term       text COLLATE "C" NOT NULL,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    field      smallint NOT NULL,
    text       text NOT NULL,
    number     text COLLATE "C" NOT NULL,
    PRIMARY KEY (term, account_id, field, text)
);
CREATE INDEX search_terms_account ON search_terms (account_id, term);
