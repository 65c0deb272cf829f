-- Codes emailed to a calling contact (issue 11). The code itself is the contact's PIN of kind
-- 'emailed' (pins, sealed like any PIN); what is new is its way out and its limits.
--
-- The outbox row that carries a code to the email destination holds it sealed, to that notice, in
-- a column of its own (never in the notice's JSON, which webhooks and listings see).
ALTER TABLE outbox ADD COLUMN sealed bytea;

-- One row per code sent, kept while inside the limits' rolling window: the limits per contact and
-- per token are counted here, under the holder's row lock and a transaction advisory lock on the
-- scope, so every server of the database counts the same sends exactly. scope is the token
-- ("token:<id>") or the local operator ("local:<name>").
CREATE TABLE code_sends (
    account_id text NOT NULL,
    holder_id  text NOT NULL,
    scope      text NOT NULL,
    sent_at    timestamptz NOT NULL
);
CREATE INDEX code_sends_holder ON code_sends (account_id, holder_id, sent_at);
CREATE INDEX code_sends_scope ON code_sends (scope, sent_at);
CREATE INDEX code_sends_at ON code_sends (sent_at);
