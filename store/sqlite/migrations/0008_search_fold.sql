-- Search the way callers speak (issue 9): terms are folded (accents and case), a contact's terms
-- carry its id (every word of a query must match one name: the account's, or one contact's; and
-- the row shows which contact matched), phones are kept as typed, in national form and in E.164,
-- and reversed for their last digits, and exact keys rank whole names, emails and phones first.
-- The table is rebuilt empty: folding and reading phone numbers is Go's work (store/searchterm),
-- so the store fills it again from accounts and contacts when it is next opened (see reindex in
-- search.go), as it does whenever the term format or the phone region changes.
DROP TABLE search_terms;
CREATE TABLE search_terms (
    term       TEXT NOT NULL,
    account_id TEXT NOT NULL,
    contact_id TEXT NOT NULL, -- '' for the account's own name
    field      INTEGER NOT NULL,
    text       TEXT NOT NULL,
    number     TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (term, account_id, contact_id, field, text)
) WITHOUT ROWID;
-- One account's terms by term: probing an account for a word, and the other words of a query
-- against the same contact.
CREATE INDEX search_terms_account ON search_terms (account_id, term, contact_id);
