-- Codes emailed to a calling contact (issue 11). The code itself is the contact's PIN of kind
-- 'emailed' (pins, sealed like any PIN); what is new is its way out and its limits.
--
-- The outbox row that carries a code to the email destination holds it sealed, to that notice, in
-- a column of its own (never in the notice's JSON, which webhooks and listings see).
ALTER TABLE outbox ADD COLUMN sealed BLOB;

-- One row per code sent, kept while inside the limits' rolling window: the limits per contact and
-- per token are counted here, so every process sharing the database counts the same sends.
-- scope is the token ("token:<id>") or the local operator ("local:<name>"). Times are UTC unix
-- nanoseconds; they may repeat (a fixed clock), so no key but the rowid.
CREATE TABLE code_sends (
    account_id TEXT NOT NULL,
    holder_id  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    sent_at    INTEGER NOT NULL
);
CREATE INDEX code_sends_holder ON code_sends (account_id, holder_id, sent_at);
CREATE INDEX code_sends_scope ON code_sends (scope, sent_at);
CREATE INDEX code_sends_at ON code_sends (sent_at);
