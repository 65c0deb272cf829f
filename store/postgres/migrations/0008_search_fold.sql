-- Search the way callers speak (issue 9): terms are folded (accents and case), a contact's terms
-- carry its id (every word of a query must match one name: the account's, or one contact's; and
-- the row shows which contact matched), phones are kept as typed, in national form and in E.164,
-- and reversed for their last digits, and exact keys rank whole names, emails and phones first.
-- The table is rebuilt empty: folding and reading phone numbers is Go's work (store/searchterm),
-- so the store fills it again from accounts and contacts when it is next opened (see reindex in
-- search.go), as it does whenever the term format or the phone region changes.
DROP TABLE search_terms;
CREATE TABLE search_terms (
    term       text COLLATE "C" NOT NULL,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id text NOT NULL, -- '' for the account's own name
    field      smallint NOT NULL,
    text       text NOT NULL,
    number     text COLLATE "C" NOT NULL,
    PRIMARY KEY (term, account_id, contact_id, field, text)
);
CREATE INDEX search_terms_account ON search_terms (account_id, term, contact_id);
